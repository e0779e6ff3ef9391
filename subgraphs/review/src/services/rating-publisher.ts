import type { Queue } from 'bullmq';
import { productRatingJobId, type Logger, type ProductRatingJob } from '@commerce/common';
import type { ReviewDb } from '../db';

/** A product's aggregate after a committed change, as the ProductRating row holds it. */
export interface RatingSnapshot {
  productId: number;
  reviewCount: number;
  ratingSum: number;
  version: number;
}

/**
 * Hands rating snapshots to the product subgraph's rating-sync worker (queue product-ratings).
 * Called after the change has committed. An enqueue that fails is logged, not thrown: the review
 * change stands, and the next change of the product sends a newer snapshot that heals the copy.
 */
export class RatingPublisher {
  constructor(
    private readonly queue: Queue<ProductRatingJob>,
    private readonly logger: Logger,
  ) {}

  async published(snapshot: RatingSnapshot): Promise<void> {
    const job = toJob(snapshot);
    try {
      await this.queue.add('rating', job, { jobId: productRatingJobId(job.productId, job.version) });
    } catch (err) {
      this.logger.warn({ err, productId: job.productId, version: job.version }, 'could not enqueue a rating snapshot');
    }
  }

  /**
   * Sends the current snapshot of every product that has an aggregate again, 500 per batch. The
   * product subgraph applies only those newer than its copy, so this heals copies whose snapshot
   * was lost (an enqueue that failed after its commit) and changes nothing else.
   * @returns how many snapshots were enqueued.
   */
  async resendAll(db: ReviewDb): Promise<number> {
    const run = Date.now();
    let sent = 0;
    let after = 0;
    for (;;) {
      const rows = await db.productRating.findMany({ where: { productId: { gt: after } }, orderBy: { productId: 'asc' }, take: 500 });
      if (rows.length === 0) return sent;
      // A job id of its own per run: BullMQ would drop a re-add under an id it still keeps.
      await this.queue.addBulk(
        rows.map((row) => ({
          name: 'rating',
          data: toJob(row),
          opts: { jobId: `${productRatingJobId(row.productId, row.version)}-resend-${run}` },
        })),
      );
      sent += rows.length;
      after = rows.at(-1)!.productId;
    }
  }
}

function toJob(snapshot: RatingSnapshot): ProductRatingJob {
  return {
    productId: snapshot.productId,
    reviewCount: snapshot.reviewCount,
    averageRating: snapshot.reviewCount === 0 ? null : snapshot.ratingSum / snapshot.reviewCount,
    version: snapshot.version,
  };
}
