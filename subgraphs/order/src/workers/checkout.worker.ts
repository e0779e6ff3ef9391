import type { ConnectionOptions } from 'bullmq';
import { QueueName, createJobWorker, type CheckoutJob, type JobWorker, type Logger, type RefundJob, type RestockJob } from '@commerce/common';
import { isRetryable, type CheckoutProcessor } from '../services/checkout.processor';
import type { RefundProcessor } from '../services/returns/refund.processor';
import { CheckoutJobName } from '../services/outbox';

export interface CheckoutWorkerOptions {
  processor: CheckoutProcessor;
  /** Runs `refund` and `restock` jobs (returns and admin refunds). */
  refunds: RefundProcessor;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** Lock of an active job in ms; when a worker dies, another takes the job over after this long. */
  lockDurationMs?: number;
  logger: Logger;
}

type CheckoutQueueJob = CheckoutJob | RefundJob | RestockJob;

/**
 * The BullMQ worker of the checkout queue: `checkout` jobs run the saga, `compensate` jobs undo
 * what a FAILED or CANCELLED order holds, `refund` and `restock` jobs carry out returns and admin
 * refunds. Errors that retrying cannot fix end the job at once; when a saga gives up (such an
 * error, or its last attempt), the order is failed (and so compensated). A worker that dies
 * mid-job (kill -9) leaves a stalled job, which another worker picks up once the lock expires;
 * every step being idempotent, it resumes safely. A step refused by an open circuit breaker waits
 * (the worker shell delays the job without using an attempt) and resumes once the breaker closes.
 */
export function createCheckoutWorker(options: CheckoutWorkerOptions): JobWorker<CheckoutQueueJob, void> {
  const { processor, refunds } = options;
  return createJobWorker<CheckoutQueueJob, void>(
    QueueName.checkout,
    async (job) => {
      if (job.name === CheckoutJobName.refund) await refunds.refund((job.data as RefundJob).refundId);
      else if (job.name === CheckoutJobName.restock) await refunds.restock((job.data as RestockJob).returnId);
      else if (job.name === CheckoutJobName.compensate) await processor.compensate(job.data.orderId);
      else await processor.process(job.data.orderId);
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDurationMs: options.lockDurationMs ?? 30_000,
      logger: options.logger,
      isRetryable,
      onGiveUp: async (job, err) => {
        if (job.name === CheckoutJobName.checkout) await processor.giveUp(job.data.orderId, err);
      },
    },
  );
}
