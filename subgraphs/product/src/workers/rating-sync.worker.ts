import type { ConnectionOptions } from 'bullmq';
import { QueueName, createJobWorker, type JobWorker, type Logger, type ProductRatingJob } from '@commerce/common';
import type { RatingSyncService } from '../services/rating-sync.service';

/** The BullMQ worker of the product-ratings queue (fed by the review subgraph). */
export function createRatingSyncWorker(options: {
  ratings: RatingSyncService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): JobWorker<ProductRatingJob, void> {
  return createJobWorker<ProductRatingJob, void>(
    QueueName.productRatings,
    async (job) => {
      const applied = await options.ratings.apply(job.data);
      options.logger.debug({ jobId: job.id, applied }, 'rating snapshot handled');
    },
    options,
  );
}
