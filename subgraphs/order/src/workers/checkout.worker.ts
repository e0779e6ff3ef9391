import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { CircuitOpenError, QueueName, bullPrefix, jobTelemetry, type CheckoutJob, type Logger, type RefundJob, type RestockJob } from '@commerce/common';
import { isRetryable, type CheckoutProcessor } from '../services/checkout.processor';
import type { RefundProcessor } from '../services/returns/refund.processor';
import { CheckoutJobName } from '../services/outbox';

export interface CheckoutWorkerOptions {
  processor: CheckoutProcessor;
  /** [returns] Runs `refund` and `restock` jobs. */
  refunds: RefundProcessor;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** Lock of an active job in ms; when a worker dies, another takes the job over after this long. */
  lockDurationMs?: number;
  logger: Logger;
}

/** Longest wait of a job whose dependency's breaker is open, in ms, however often it was refused. */
export const BREAKER_WAIT_MAX_MS = 30_000;

/**
 * How long a job refused by an open breaker waits before it runs again, in ms: at least until the
 * breaker lets a trial call through, doubling from 250 ms with each refusal of this job (capped
 * at {@link BREAKER_WAIT_MAX_MS}), with up to 20 % jitter so waiting jobs do not return together.
 */
export function breakerWaitMs(err: CircuitOpenError, job: Pick<Job, 'attemptsStarted' | 'attemptsMade'>): number {
  // Runs that ended in neither success nor a counted failure: the earlier breaker refusals (or stalls).
  const refusals = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
  const backoff = Math.min(BREAKER_WAIT_MAX_MS, 250 * 2 ** Math.min(refusals, 7));
  return Math.round(Math.max(err.retryAfterMs, backoff) * (1 + Math.random() * 0.2));
}

/**
 * The BullMQ worker of the checkout queue: `checkout` jobs run the saga, `compensate` jobs undo
 * what a FAILED or CANCELLED order holds. Errors that retrying cannot fix become
 * UnrecoverableError (no retry); [returns] `refund` and `restock` jobs go to the RefundProcessor; when a saga uses its last attempt, the order is failed (and so
 * compensated). A worker that dies mid-job (kill -9) leaves a stalled job, which another worker
 * picks up once the lock expires; every step being idempotent, it resumes safely. A step refused
 * by an open circuit breaker (CircuitOpenError) moves the job to delayed ({@link breakerWaitMs})
 * without using an attempt: an outage of product, cart or the payment provider makes checkouts
 * wait, not fail; the saga resumes from its idempotent steps once the breaker closes.
 */
export function createCheckoutWorker(options: CheckoutWorkerOptions): Worker<CheckoutJob | RefundJob | RestockJob> {
  const { processor, refunds, logger } = options;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker<CheckoutJob | RefundJob | RestockJob>(
    QueueName.checkout,
    async (job, token) => {
      const { orderId } = job.data;
      try {
        if (job.name === CheckoutJobName.refund) await refunds.refund((job.data as RefundJob).refundId);
        else if (job.name === CheckoutJobName.restock) await refunds.restock((job.data as RestockJob).returnId);
        else if (job.name === CheckoutJobName.compensate) await processor.compensate(orderId);
        else await processor.process(orderId);
      } catch (err) {
        if (err instanceof CircuitOpenError && token) {
          const waitMs = breakerWaitMs(err, job);
          logger.info({ jobId: job.id, orderId, breaker: err.breaker, waitMs }, 'dependency unavailable; checkout job waits');
          await job.moveToDelayed(Date.now() + waitMs, token);
          throw new DelayedError();
        }
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
