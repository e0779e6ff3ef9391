import { Worker, type ConnectionOptions } from 'bullmq';
import { QueueName, bullPrefix, jobTelemetry, type Logger, type PurchaseJob } from '@commerce/common';
import type { PurchaseService } from '../services/purchase.service';

/** The BullMQ worker of the purchases queue (fed by the order subgraph); drives verifiedPurchase. */
export function createPurchaseWorker(options: {
  purchases: PurchaseService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): Worker<PurchaseJob> {
  const worker = new Worker<PurchaseJob>(
    QueueName.purchases,
    async (job) => {
      await options.purchases.record(job.data);
    },
    { connection: options.connection, prefix: bullPrefix(options.prefix), concurrency: options.concurrency, telemetry: jobTelemetry() },
  );
  worker.on('failed', (job, err) => options.logger.warn({ jobId: job?.id, err }, 'purchase job failed'));
  worker.on('error', (err) => options.logger.error({ err }, 'purchase worker error'));
  return worker;
}
