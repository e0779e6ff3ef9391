import { Worker, type ConnectionOptions } from 'bullmq';
import { QueueName, bullPrefix, jobTelemetry, type Logger, type ProductRatingJob } from '@commerce/common';
import type { RatingSyncService } from '../services/rating-sync.service';

/** The BullMQ worker of the product-ratings queue (fed by the review subgraph). */
export function createRatingSyncWorker(options: {
  ratings: RatingSyncService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): Worker<ProductRatingJob> {
  const worker = new Worker<ProductRatingJob>(
    QueueName.productRatings,
    async (job) => {
      const applied = await options.ratings.apply(job.data);
      options.logger.debug({ jobId: job.id, applied }, 'rating snapshot handled');
    },
    { connection: options.connection, prefix: bullPrefix(options.prefix), concurrency: options.concurrency, telemetry: jobTelemetry() },
  );
  worker.on('failed', (job, err) => options.logger.warn({ jobId: job?.id, err }, 'rating-sync job failed'));
  worker.on('error', (err) => options.logger.error({ err }, 'rating-sync worker error'));
  return worker;
}
