import type { ProductRatingJob } from '@commerce/common';
import type { ProductDb } from '../db';

/**
 * Keeps the denormalized `averageRating`/`reviewCount` of products (used by the rating filter and
 * sort) in step with the review subgraph, which owns reviews. Jobs carry absolute snapshots with a
 * version, so applying is idempotent and order-insensitive: a snapshot older than, or equal to,
 * the one held changes nothing.
 */
export class RatingSyncService {
  constructor(private readonly db: ProductDb) {}

  /** @returns true when the snapshot was newer and applied; false when stale, repeated or the product is unknown. */
  async apply(job: ProductRatingJob): Promise<boolean> {
    const { count } = await this.db.product.updateMany({
      where: { id: job.productId, ratingVersion: { lt: job.version } },
      data: { averageRating: job.averageRating, reviewCount: job.reviewCount, ratingVersion: job.version },
    });
    return count === 1;
  }
}
