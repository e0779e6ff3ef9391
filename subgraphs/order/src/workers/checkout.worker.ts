import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { QueueName, bullPrefix, jobTelemetry, type CheckoutJob, type Logger } from '@commerce/common';
import { isRetryable, type CheckoutProcessor } from '../services/checkout.processor';
import { CheckoutJobName } from '../services/outbox';

export interface CheckoutWorkerOptions {
  processor: CheckoutProcessor;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** Lock of an active job in ms; when a worker dies, another takes the job over after this long. */
  lockDurationMs?: number;
  logger: Logger;
}

/**
 * The BullMQ worker of the checkout queue: `checkout` jobs run the saga, `compensate` jobs undo
 * what a FAILED or CANCELLED order holds. Errors that retrying cannot fix become
 * UnrecoverableError (no retry); when a saga uses its last attempt, the order is failed (and so
 * compensated). A worker that dies mid-job (kill -9) leaves a stalled job, which another worker
 * picks up once the lock expires; every step being idempotent, it resumes safely.
 */
export function createCheckoutWorker(options: CheckoutWorkerOptions): Worker<CheckoutJob> {
  const { processor, logger } = options;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker<CheckoutJob>(
    QueueName.checkout,
    async (job) => {
      const { orderId } = job.data;
      try {
        if (job.name === CheckoutJobName.compensate) await processor.compensate(orderId);
        else await processor.process(orderId);
      } catch (err) {
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (!isRetryable(err) || lastAttempt) {
          if (job.name === CheckoutJobName.checkout) await processor.giveUp(orderId, err);
          throw new UnrecoverableError((err as Error).message);
        }
        throw err;
      }
    },
    {
      connection: options.connection,
      prefix: bullPrefix(options.prefix),
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 3,
      telemetry: jobTelemetry(),
    },
  );
  worker.on('failed', (job, err) =>
    logger.warn({ jobId: job?.id, name: job?.name, attemptsMade: job?.attemptsMade, err }, 'checkout job failed'),
  );
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'checkout job stalled (its worker died?); taken over'));
  worker.on('error', (err) => logger.error({ err }, 'checkout worker error'));
  return worker;
}
