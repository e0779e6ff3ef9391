import type { ConnectionOptions } from 'bullmq';
import { QueueName, createJobWorker, type JobWorker, type Logger, type PurchaseJob } from '@commerce/common';
import type { PurchaseService } from '../services/purchase.service';

/** The BullMQ worker of the purchases queue (fed by the order subgraph); drives verifiedPurchase. */
export function createPurchaseWorker(options: {
  purchases: PurchaseService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): JobWorker<PurchaseJob, void> {
  return createJobWorker<PurchaseJob, void>(QueueName.purchases, (job) => options.purchases.record(job.data), options);
}
