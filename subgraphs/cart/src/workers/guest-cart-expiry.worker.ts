import type { ConnectionOptions, Queue } from 'bullmq';
import { QueueName, createJobWorker, openQueue, type JobWorker, type Logger } from '@commerce/common';
import type { GuestCartExpiry, SweepResult } from '../services/guest-cart-expiry';

/** Id of the one job scheduler of the guest-cart-expiry queue: every worker process upserts the same one. */
export const GUEST_CART_EXPIRY_SCHEDULER = 'guest-cart-expiry-sweep';

export interface GuestCartExpiryWorkerOptions {
  expiry: GuestCartExpiry;
  connection: ConnectionOptions;
  /** REDIS_PREFIX. */
  prefix: string;
  /** Time between sweeps, in ms (GUEST_CART_SWEEP_INTERVAL_MS). */
  everyMs: number;
  logger: Logger;
}

/** The worker and the queue it owns (closed together). */
export interface GuestCartExpiryWorker {
  worker: JobWorker<Record<string, never>, SweepResult>;
  queue: Queue;
  waitUntilReady(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The guest-cart expiry worker: upserts a BullMQ job scheduler that adds a sweep job every
 * `everyMs` (the first at once), and works those jobs. Upserting is idempotent by scheduler id,
 * so any number of worker processes keep one schedule, and a changed interval replaces the old one.
 */
export async function createGuestCartExpiryWorker(options: GuestCartExpiryWorkerOptions): Promise<GuestCartExpiryWorker> {
  const queue = openQueue(QueueName.guestCartExpiry, options.connection, options.prefix);
  await queue.upsertJobScheduler(
    GUEST_CART_EXPIRY_SCHEDULER,
    { every: options.everyMs },
    // A sweep that fails is simply redone by the next one; keep only a few of either outcome.
    { name: 'sweep', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
  );
  const worker = createJobWorker<Record<string, never>, SweepResult>(
    QueueName.guestCartExpiry,
    async (job) => {
      const result = await options.expiry.sweep();
      options.logger.info({ jobId: job.id, ...result }, 'guest carts swept');
      return result;
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 1, logger: options.logger },
  );
  return {
    worker,
    queue,
    waitUntilReady: async () => {
      await worker.waitUntilReady();
    },
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
