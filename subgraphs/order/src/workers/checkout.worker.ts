import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { QueueName, bullPrefix, type CheckoutJob, type Logger } from '@commerce/common';
import { isRetryable, type CheckoutProcessor } from '../services/checkout.processor';

/**
 * The BullMQ worker of the checkout queue. Errors that retrying cannot fix become
 * UnrecoverableError (no retry); on the last failed attempt the processor compensates.
 */
export function createCheckoutWorker(options: {
  processor: CheckoutProcessor;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): Worker<CheckoutJob> {
  const { processor, logger } = options;
  const worker = new Worker<CheckoutJob>(
    QueueName.checkout,
    async (job) => {
      try {
        await processor.process(job.data.orderId);
      } catch (err) {
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (!isRetryable(err) || lastAttempt) {
          await processor.giveUp(job.data.orderId, err);
          throw new UnrecoverableError((err as Error).message);
        }
        throw err;
      }
    },
    { connection: options.connection, prefix: bullPrefix(options.prefix), concurrency: options.concurrency },
  );
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err }, 'checkout job failed'));
  worker.on('error', (err) => logger.error({ err }, 'checkout worker error'));
  return worker;
}
