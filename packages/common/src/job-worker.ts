import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { addGaugeSource, counter, gauge, histogram, secondsSince } from './metrics';
import { CircuitOpenError } from './breaker';
import { bullPrefix, openQueue, type QueueName } from './queues';
import { jobTelemetry } from './telemetry';

/** Job states reported by `commerce_queue_jobs` (BullMQ's `getJobCounts` names). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

const jobDuration = () =>
  histogram('commerce_job_duration_seconds', 'Time one run of a BullMQ job took, by queue and outcome (completed, retry, failed, delayed: an open breaker).', [
    'queue',
    'outcome',
  ]);
const jobFailures = () =>
  counter('commerce_job_failures_total', 'Failed runs of BullMQ jobs; final="true" when the job will not be tried again.', [
    'queue',
    'final',
  ]);
const jobsStalled = () => counter('commerce_jobs_stalled_total', 'Jobs whose worker died (lock expired) and were taken over.', ['queue']);
const queueJobs = () =>
  gauge('commerce_queue_jobs', 'Jobs in a BullMQ queue by state, read with getJobCounts at scrape time.', ['queue', 'state']);

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

/** How a job's failure is handled: what retrying cannot fix, and what to do when the job gives up. */
export interface JobRetryPolicy<T> {
  /** False for errors that retrying cannot fix: the job fails for good at once (default: every error is retried). */
  isRetryable?: (err: unknown) => boolean;
  /**
   * Runs once when a run fails and no attempt is left (last attempt used, or the error is not
   * retryable), before the failure is recorded: mark the order or delivery FAILED. If it throws,
   * its error is the run's, and the job is retried while attempts remain.
   */
  onGiveUp?: (job: Job<T>, err: unknown) => Promise<void>;
}

export interface JobWorkerOptions<T> extends JobRetryPolicy<T> {
  /** The Redis connection (BullMQ duplicates it for its blocking reads). */
  connection: ConnectionOptions;
  /** REDIS_PREFIX; the worker uses {@link bullPrefix} of it, like {@link openQueue}. */
  prefix: string;
  /** Jobs this worker runs at once. */
  concurrency: number;
  logger: Logger;
  /**
   * Lock of an active job in ms (BullMQ default 30 000); when a worker dies, another takes the
   * job over after this long. Given, stalled jobs are checked every half lock and taken over up
   * to 3 times.
   */
  lockDurationMs?: number;
}

/**
 * A BullMQ worker made by {@link createJobWorker}; `close()` also closes the queue handle the
 * depth gauge reads through.
 */
export class JobWorker<T, R> extends Worker<T, R> {
  /** Set by createJobWorker: what to close after the worker itself. */
  afterClose: () => Promise<void> = async () => undefined;

  override async close(force?: boolean): Promise<void> {
    await super.close(force);
    await this.afterClose();
  }
}

/**
 * The one way a BullMQ worker is made (issue 12 item 6): connection and prefix, the retry policy
 * (an error `isRetryable` rejects, or a failure on the last attempt, runs `onGiveUp` and ends the
 * job as UnrecoverableError; a dependency refused by its open circuit breaker, CircuitOpenError,
 * moves the job to delayed for {@link breakerWaitMs} without using an attempt, so an outage makes
 * jobs wait, not fail), BullMQ's tracing (bullmq-otel, when the process traces),
 * failure/stall/error logging, and the metrics of its queue:
 * `commerce_job_duration_seconds{queue,outcome}`, `commerce_job_failures_total{queue,final}`,
 * `commerce_jobs_stalled_total{queue}` and `commerce_queue_jobs{queue,state}` (read on scrape).
 * Processors stay idempotent: a job may run again after a crash or a retry.
 * @param name the queue, also the worker's name in logs.
 */
export function createJobWorker<T, R = unknown>(
  name: QueueName,
  processor: (job: Job<T>) => Promise<R>,
  options: JobWorkerOptions<T>,
): JobWorker<T, R> {
  const { logger } = options;
  // Declared up front: a family appears in scrapes (HELP and TYPE) before its first sample.
  jobDuration();
  jobFailures();
  jobsStalled();
  const isRetryable = options.isRetryable ?? (() => true);
  const run = async (job: Job<T>, token?: string): Promise<R> => {
    const started = performance.now();
    try {
      const result = await processor(job);
      jobDuration().observe({ queue: name, outcome: 'completed' }, secondsSince(started));
      return result;
    } catch (err) {
      if (err instanceof CircuitOpenError && token) {
        const waitMs = breakerWaitMs(err, job);
        jobDuration().observe({ queue: name, outcome: 'delayed' }, secondsSince(started));
        logger.info({ queue: name, jobId: job.id, breaker: err.breaker, waitMs }, `dependency unavailable; ${name} job waits`);
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
      const giveUp = err instanceof UnrecoverableError || !isRetryable(err) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      jobDuration().observe({ queue: name, outcome: giveUp ? 'failed' : 'retry' }, secondsSince(started));
      jobFailures().inc({ queue: name, final: String(giveUp) });
      if (!giveUp) throw err;
      await options.onGiveUp?.(job, err);
      throw err instanceof UnrecoverableError ? err : new UnrecoverableError(err instanceof Error ? err.message : String(err));
    }
  };
  const lock = options.lockDurationMs;
  const worker = new JobWorker<T, R>(name, run, {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    concurrency: options.concurrency,
    telemetry: jobTelemetry(),
    ...(lock === undefined ? {} : { lockDuration: lock, stalledInterval: Math.max(1000, Math.floor(lock / 2)), maxStalledCount: 3 }),
  });
  worker.on('failed', (job, err) =>
    logger.warn({ queue: name, jobId: job?.id, name: job?.name, attemptsMade: job?.attemptsMade, err: err.message }, `${name} job failed`),
  );
  worker.on('stalled', (jobId) => {
    jobsStalled().inc({ queue: name });
    logger.warn({ queue: name, jobId }, `${name} job stalled (its worker died?); taken over`);
  });
  worker.on('error', (err) => logger.error({ queue: name, err }, `${name} worker error`));

  const counts = openQueue(name, options.connection, options.prefix);
  // The worker reports connection trouble already; an unhandled 'error' would crash the process.
  counts.on('error', () => undefined);
  const removeSource = addGaugeSource(queueJobs(), `${options.prefix}:${name}`, async (g) => {
    const byState = await counts.getJobCounts(...QUEUE_STATES);
    for (const state of QUEUE_STATES) g.inc({ queue: name, state }, byState[state] ?? 0);
  });
  worker.afterClose = async () => {
    removeSource();
    await counts.close();
  };
  return worker;
}
