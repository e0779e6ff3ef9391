import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, parseInput, requireUser, type Caller } from '@commerce/common';
import { Prisma, type ReviewDb, type ReviewRecord } from '../db';
import type { ProductClient } from './product-client';
import { lockUserPurchases } from './purchase.service';
import { requireModerator } from './review-policy';
import type { RatingPublisher, RatingSnapshot } from './rating-publisher';

type Tx = Prisma.TransactionClient;

const reviewSchema = z.object({
  rating: z.number().int().min(1).max(5),
  body: z.string().trim().min(1).max(5000),
});
const reasonSchema = z.object({ reason: z.string().trim().min(3).max(500) });

/** A change of one review's contribution to its product's aggregate: +1 adds a rating, −1 takes it away. */
interface RatingChange {
  rating: number;
  sign: 1 | -1;
}

/**
 * Applies rating changes to the product's ProductRating row and returns the new snapshot. The
 * row lock of the UPDATE serializes concurrent changes of one product, so versions
 * grow by exactly one per change and each snapshot matches its version.
 */
async function changeAggregate(tx: Tx, productId: number, changes: readonly RatingChange[]): Promise<RatingSnapshot> {
  const stars = [1, 2, 3, 4, 5].map((s) => changes.reduce((n, c) => n + (c.rating === s ? c.sign : 0), 0));
  const count = changes.reduce((n, c) => n + c.sign, 0);
  const sum = changes.reduce((n, c) => n + c.sign * c.rating, 0);
  const [updated] = await tx.$queryRaw<RatingSnapshot[]>`
    UPDATE "ProductRating" SET
      "reviewCount" = "reviewCount" + ${count}, "ratingSum" = "ratingSum" + ${sum},
      "stars1" = "stars1" + ${stars[0]}, "stars2" = "stars2" + ${stars[1]}, "stars3" = "stars3" + ${stars[2]},
      "stars4" = "stars4" + ${stars[3]}, "stars5" = "stars5" + ${stars[4]},
      "version" = "version" + 1, "updatedAt" = now()
    WHERE "productId" = ${productId}
    RETURNING "productId", "reviewCount", "ratingSum", "version"`;
  if (updated) return updated;
  // The product's first review. (A CHECK applies to the proposed row before ON CONFLICT is
  // considered, so only this additive case may go through INSERT; a concurrent first review
  // turns it into the same increment.)
  const [row] = await tx.$queryRaw<RatingSnapshot[]>`
    INSERT INTO "ProductRating" ("productId", "reviewCount", "ratingSum", "stars1", "stars2", "stars3", "stars4", "stars5", "version", "updatedAt")
    VALUES (${productId}, ${count}, ${sum}, ${stars[0]}, ${stars[1]}, ${stars[2]}, ${stars[3]}, ${stars[4]}, 1, now())
    ON CONFLICT ("productId") DO UPDATE SET
      "reviewCount" = "ProductRating"."reviewCount" + EXCLUDED."reviewCount",
      "ratingSum" = "ProductRating"."ratingSum" + EXCLUDED."ratingSum",
      "stars1" = "ProductRating"."stars1" + EXCLUDED."stars1",
      "stars2" = "ProductRating"."stars2" + EXCLUDED."stars2",
      "stars3" = "ProductRating"."stars3" + EXCLUDED."stars3",
      "stars4" = "ProductRating"."stars4" + EXCLUDED."stars4",
      "stars5" = "ProductRating"."stars5" + EXCLUDED."stars5",
      "version" = "ProductRating"."version" + 1,
      "updatedAt" = now()
    RETURNING "productId", "reviewCount", "ratingSum", "version"`;
  return row!;
}

/**
 * Changes to reviews: writing one, helpful votes and moderation. Each change and its effect on the
 * product's rating aggregate commit in one transaction (aggregates are incremental, never
 * recomputed per request); the new aggregate goes to the product subgraph after the commit.
 */
export class ReviewWriteService {
  constructor(
    private readonly db: ReviewDb,
    private readonly products: ProductClient,
    private readonly ratings: RatingPublisher,
  ) {}

  /**
   * Creates the author's review of the product, or updates it when there is one (one review per
   * user and product); the signed-in caller is the author. A hidden review stays hidden when its author edits it.
   * @throws UnauthenticatedError when signed out; BadUserInputError for a rating outside 1..5 or an empty or too long body;
   *   NotFoundError for a product that does not exist or is archived.
   */
  async upsert(caller: Caller, productId: number, input: { rating: number; body: string }): Promise<ReviewRecord> {
    const authorId = requireUser(caller).userId;
    const { rating, body } = parseInput(reviewSchema, input);
    if (!(await this.products.isReviewable(productId))) throw new NotFoundError('Product', productId);
    const { review, snapshot } = await this.db.$transaction(async (tx) => {
      await lockUserPurchases(tx, authorId);
      const purchased = await tx.purchase.count({ where: { userId: authorId, productId, cancelledAt: null } });
      const id = randomUUID();
      const { count } = await tx.review.createMany({
        data: { id, productId, authorId, rating, body, verifiedPurchase: purchased > 0 },
        skipDuplicates: true,
      });
      if (count === 1) {
        const created = await tx.review.findUniqueOrThrow({ where: { id } });
        return { review: created, snapshot: await changeAggregate(tx, productId, [{ rating, sign: 1 }]) };
      }
      // The author's existing review, locked so that concurrent edits apply one after the other.
      const [existing] = await tx.$queryRaw<{ id: string; rating: number; hidden: boolean }[]>`
        SELECT "id", "rating", "hidden" FROM "Review" WHERE "productId" = ${productId} AND "authorId" = ${authorId} FOR UPDATE`;
      const updated = await tx.review.update({ where: { id: existing!.id }, data: { rating, body } });
      const counts = !existing!.hidden && existing!.rating !== rating;
      const snapshot = counts
        ? await changeAggregate(tx, productId, [
            { rating: existing!.rating, sign: -1 },
            { rating, sign: 1 },
          ])
        : null;
      return { review: updated, snapshot };
    });
    if (snapshot) await this.ratings.published(snapshot);
    return review;
  }

  /**
   * Adds (`helpful`) or takes back the signed-in caller's helpful vote; a repeated call changes nothing.
   * @throws UnauthenticatedError when signed out; NotFoundError for an unknown or hidden review; ForbiddenError on one's own review.
   */
  async voteHelpful(caller: Caller, reviewId: string, helpful: boolean): Promise<ReviewRecord> {
    const { userId } = requireUser(caller);
    return this.db.$transaction(async (tx) => {
      const review = await tx.review.findUnique({ where: { id: reviewId } });
      if (!review || review.hidden) throw new NotFoundError('Review', reviewId);
      if (review.authorId === userId) throw new ForbiddenError('You cannot vote on your own review');
      const { count } = helpful
        ? await tx.helpfulVote.createMany({ data: { reviewId, userId }, skipDuplicates: true })
        : await tx.helpfulVote.deleteMany({ where: { reviewId, userId } });
      if (count === 0) return review;
      return tx.review.update({ where: { id: reviewId }, data: { helpfulCount: { increment: helpful ? 1 : -1 } } });
    });
  }

  /**
   * Hides (`hidden`) or restores a review, logging who did it and why; its rating leaves or
   * re-enters the product's aggregate. Already in that state: changes nothing. Moderators and admins only.
   * @throws UnauthenticatedError when signed out; ForbiddenError for anyone else; NotFoundError; BadUserInputError for a reason shorter than 3 or longer than 500 characters.
   */
  async moderate(caller: Caller, reviewId: string, hidden: boolean, reason: string): Promise<ReviewRecord> {
    const moderatorId = requireModerator(caller);
    const input = parseInput(reasonSchema, { reason });
    const { review, snapshot } = await this.db.$transaction(async (tx) => {
      const { count } = await tx.review.updateMany({
        where: { id: reviewId, hidden: !hidden },
        data: { hidden, hiddenReason: hidden ? input.reason : null },
      });
      const review = await tx.review.findUnique({ where: { id: reviewId } });
      if (!review) throw new NotFoundError('Review', reviewId);
      if (count === 0) return { review, snapshot: null };
      await tx.reviewModeration.create({
        data: { reviewId, action: hidden ? 'HIDE' : 'RESTORE', reason: input.reason, moderatorId },
      });
      const snapshot = await changeAggregate(tx, review.productId, [{ rating: review.rating, sign: hidden ? -1 : 1 }]);
      return { review, snapshot };
    });
    if (snapshot) await this.ratings.published(snapshot);
    return review;
  }
}
