import type { PurchaseJob } from '@commerce/common';
import { Prisma, type ReviewDb } from '../db';

/**
 * What the review subgraph knows of purchases, learned from purchase jobs (the order subgraph's
 * events), never from the order database. It drives `Review.verifiedPurchase`.
 */
export class PurchaseService {
  constructor(private readonly db: ReviewDb) {}

  /**
   * Records a confirmed order's products for its user (their reviews become verified), or a
   * cancellation (verified again only where another confirmed order has the product). Idempotent:
   * a job run twice changes nothing the second time, and a CANCELLED job that overtakes its
   * CONFIRMED one still wins, because cancelled rows are kept as tombstones.
   */
  async record(job: PurchaseJob): Promise<void> {
    const productIds = [...new Set(job.productIds)];
    if (productIds.length === 0) return;
    await this.db.$transaction(async (tx) => {
      await lockUserPurchases(tx, job.userId);
      if (job.status === 'CONFIRMED') {
        await tx.purchase.createMany({
          data: productIds.map((productId) => ({ orderId: job.orderId, productId, userId: job.userId })),
          skipDuplicates: true,
        });
      } else {
        const now = new Date();
        await tx.purchase.createMany({
          data: productIds.map((productId) => ({ orderId: job.orderId, productId, userId: job.userId, cancelledAt: now })),
          skipDuplicates: true,
        });
        await tx.purchase.updateMany({ where: { orderId: job.orderId, cancelledAt: null }, data: { cancelledAt: now } });
      }
      // Verified exactly where a live (not cancelled) purchase of the product by the author exists.
      await tx.$executeRaw`
        UPDATE "Review" r SET "verifiedPurchase" = EXISTS (
          SELECT 1 FROM "Purchase" p
          WHERE p."userId" = r."authorId" AND p."productId" = r."productId" AND p."cancelledAt" IS NULL)
        WHERE r."authorId" = ${job.userId} AND r."productId" IN (${Prisma.join(productIds)})`;
    });
  }
}

/**
 * Serializes, per user, the transactions that decide `verifiedPurchase`: a purchase job and a
 * createReview of the same user. Without it, a review committed while a purchase job runs could
 * miss the flag (each would read before the other's commit under READ COMMITTED).
 */
export async function lockUserPurchases(tx: Prisma.TransactionClient, userId: number): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('review:purchases'), ${userId}::int)`;
}
