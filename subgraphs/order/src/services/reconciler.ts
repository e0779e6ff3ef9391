import type { Logger } from '@commerce/common';
import type { OrderDb } from '../db';
import type { CheckoutProcessor } from './checkout.processor';
import { FailureReason } from './order-lifecycle';
import { EVENTS, type OutboxQueues } from './outbox';

export interface ReconcilerOptions {
  /** How often a pass runs, in ms. */
  intervalMs: number;
  /** A dispatched job is looked up again this long after dispatch, in ms. */
  recheckAfterMs: number;
  /** A PENDING order older than this is failed and its stock released, in ms. */
  pendingMaxAgeMs: number;
  /** Messages and orders per pass. */
  batchSize: number;
}

export interface ReconcileResult {
  /** Jobs that had vanished from Redis and were enqueued again. */
  requeued: number;
  /** Jobs seen completed (their messages are done). */
  completed: number;
  /** Jobs seen failed for good (inspect and retry them on the queue dashboard). */
  failed: number;
  /** PENDING orders past their maximum age, failed with CHECKOUT_TIMEOUT. */
  expired: number;
}

/**
 * Repairs what Redis may lose. BullMQ keeps jobs only in Redis; after a restart without
 * persistence, a `FLUSHALL` or an eviction, a dispatched job is simply gone. The outbox remembers
 * every job until it is seen completed, so a pass re-enqueues the vanished ones (same job id;
 * consumers are idempotent), and fails PENDING orders that have waited too long, whose
 * compensation then releases their stock and payment hold.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: OrderDb,
    private readonly queues: OutboxQueues,
    private readonly checkout: CheckoutProcessor,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.runOnce()
        .catch((err: unknown) => this.logger.error({ err }, 'reconciler pass failed'))
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over dispatched messages and old PENDING orders. */
  async runOnce(): Promise<ReconcileResult> {
    const result: ReconcileResult = { requeued: 0, completed: 0, failed: 0, expired: 0 };
    const now = Date.now();
    const dispatched = await this.db.outboxMessage.findMany({
      where: { status: 'DISPATCHED', queue: { not: EVENTS }, dispatchedAt: { lt: new Date(now - this.options.recheckAfterMs) } },
      orderBy: { dispatchedAt: 'asc' },
      take: this.options.batchSize,
    });
    for (const message of dispatched) {
      const queue = this.queues[message.queue as keyof OutboxQueues];
      if (!queue) continue;
      const job = await queue.getJob(message.id);
      const state = job ? await job.getState() : 'unknown';
      if (state === 'completed') {
        await this.db.outboxMessage.update({ where: { id: message.id }, data: { status: 'DONE', doneAt: new Date() } });
        result.completed++;
      } else if (state === 'failed') {
        await this.db.outboxMessage.update({ where: { id: message.id }, data: { status: 'FAILED' } });
        result.failed++;
      } else if (state === 'unknown') {
        await queue.add(message.name, message.payload, { jobId: message.id });
        await this.db.outboxMessage.update({ where: { id: message.id }, data: { dispatchedAt: new Date() } });
        this.logger.warn({ messageId: message.id, queue: message.queue, name: message.name }, 'job lost from Redis; enqueued again');
        result.requeued++;
      }
    }
    const stale = await this.db.order.findMany({
      where: { status: 'PENDING', createdAt: { lt: new Date(now - this.options.pendingMaxAgeMs) } },
      select: { id: true },
      take: this.options.batchSize,
    });
    for (const { id } of stale) {
      await this.checkout.giveUp(id, new Error('order stayed PENDING too long'), FailureReason.CHECKOUT_TIMEOUT);
      result.expired++;
    }
    if (result.requeued + result.failed + result.expired > 0) this.logger.info(result, 'reconciler pass');
    return result;
  }
}
