import type { Queue } from 'bullmq';
import { productRatingJobId, type Logger, type ProductRatingJob } from '@commerce/common';

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
    const job: ProductRatingJob = {
      productId: snapshot.productId,
      reviewCount: snapshot.reviewCount,
      averageRating: snapshot.reviewCount === 0 ? null : snapshot.ratingSum / snapshot.reviewCount,
      version: snapshot.version,
    };
    try {
      await this.queue.add('rating', job, { jobId: productRatingJobId(job.productId, job.version) });
    } catch (err) {
      this.logger.warn({ err, productId: job.productId, version: job.version }, 'could not enqueue a rating snapshot');
    }
  }
}
