import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import {
  QueueName,
  currentTraceCarrier,
  jobTraceOptions,
  publishOrderStatusEvent,
  type CheckoutJob,
  type Logger,
  type OrderNotificationJob,
  type OrderStatusEvent,
  type PurchaseJob,
  type Redis,
  type RefundJob,
  type RestockJob,
  type TraceCarrier,
  SQL_NOW_UTC,
} from '@commerce/common';
import { Prisma, type OrderDb, type OutboxMessageRecord } from '../db';

/** Outbox "queue" of order status events, which go to Redis pub/sub instead of BullMQ. */
export const EVENTS = 'events';

/**
 * Job names on the checkout queue: run the saga of a PENDING order, or undo what a FAILED/CANCELLED
 * one holds; [returns] call the provider for a refund, put a return's units back in stock.
 */
export const CheckoutJobName = { checkout: 'checkout', compensate: 'compensate', refund: 'refund', restock: 'restock' } as const;
export type CheckoutJobName = (typeof CheckoutJobName)[keyof typeof CheckoutJobName];

/** Something an order change causes, written to the outbox in the transaction of the change. */
export type OutboxEntry =
  | { queue: typeof EVENTS; name: 'order-status'; payload: OrderStatusEvent }
  | { queue: typeof QueueName.checkout; name: 'checkout' | 'compensate'; payload: CheckoutJob }
  | { queue: typeof QueueName.checkout; name: 'refund'; payload: RefundJob }
  | { queue: typeof QueueName.checkout; name: 'restock'; payload: RestockJob }
  | { queue: typeof QueueName.notifications; name: OrderNotificationJob['kind']; payload: OrderNotificationJob }
  | { queue: typeof QueueName.purchases; name: 'purchase'; payload: PurchaseJob };

export type OutboxQueues = Record<Exclude<OutboxEntry['queue'], typeof EVENTS>, Queue>;

/**
 * Writes `entries` inside transaction `tx`; they reach Redis only if it commits. Each row keeps
 * the trace context of the change (the active span; none with tracing off), so the job or event
 * the relay makes of it later joins the trace of the request or job that caused it.
 */
export async function writeOutbox(tx: Prisma.TransactionClient, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const trace = currentTraceCarrier();
  await tx.outboxMessage.createMany({
    data: entries.map((e) => ({
      queue: e.queue,
      name: e.name,
      payload: e.payload as unknown as Prisma.InputJsonValue,
      traceparent: trace?.traceparent ?? null,
      tracestate: trace?.tracestate ?? null,
    })),
  });
}

/**
 * {@link writeOutbox} as an SQL fragment, for a statement that writes `entries` together with the
 * change causing them (as the statement itself or a data-modifying CTE): one multi-row
 * `INSERT … SELECT` from `unnest` of their columns, created at `now`, with the trace context of the
 * change, inserted only where `onlyIf` (SQL) holds, e.g. "the order moved".
 */
export function outboxInsert(entries: readonly OutboxEntry[], now: Date, onlyIf: Prisma.Sql = Prisma.sql`TRUE`): Prisma.Sql {
  const trace = currentTraceCarrier();
  // A UTC ISO string cast to timestamp (without time zone) keeps the UTC wall clock, as Prisma stores it.
  return Prisma.sql`INSERT INTO "OutboxMessage" ("id", "queue", "name", "payload", "traceparent", "tracestate", "createdAt")
    SELECT m.id, m.queue, m.name, m.payload::jsonb, ${trace?.traceparent ?? null}, ${trace?.tracestate ?? null}, ${now.toISOString()}::timestamp(3)
    FROM unnest(
      ${entries.map(() => randomUUID())}::text[], ${entries.map((e) => e.queue)}::text[],
      ${entries.map((e) => e.name)}::text[], ${entries.map((e) => JSON.stringify(e.payload))}::text[]
    ) AS m(id, queue, name, payload)
    WHERE ${onlyIf}`;
}

/** An outbox row as the relay reads it. */
type BatchRow = Pick<OutboxMessageRecord, 'id' | 'queue' | 'name' | 'payload' | 'traceparent' | 'tracestate' | 'createdAt'>;

/** The trace context a row was written in, or undefined. */
const traceOf = (row: { traceparent: string | null; tracestate: string | null }): TraceCarrier | undefined =>
  row.traceparent ? { traceparent: row.traceparent, ...(row.tracestate ? { tracestate: row.tracestate } : {}) } : undefined;

const NOW = Prisma.raw(SQL_NOW_UTC);

// One relay at a time dispatches (per database), so events leave in commit order.
const RELAY_LOCK = 0x6f7574626f78; // "outbox"

export interface OutboxRelayOptions {
  /** Backstop poll for messages written by other processes or left by a crash, in ms. */
  pollMs: number;
  /** Messages per dispatch transaction. */
  batchSize: number;
}

/**
 * Moves committed outbox messages to Redis: jobs to BullMQ with `jobId` = message id (so a relay
 * that crashes after enqueueing and before marking re-enqueues a duplicate id, which BullMQ
 * ignores), events to pub/sub. Messages are locked while dispatched and marked in the same
 * transaction, so any number of relay processes can run.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: OrderDb,
    private readonly queues: OutboxQueues,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {}

  /** Starts the backstop poll. */
  start(): void {
    this.stopped = false;
    this.timer ??= setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Dispatches soon; call after a transaction that wrote to the outbox has committed. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (let round = 0; round < 100; round++) {
        const result = await this.dispatchOnce();
        if (result === 'busy') {
          // Another relay holds the lock and may have read before our commit: look again shortly.
          setTimeout(() => this.kick(), 25).unref();
          return;
        }
        if (result < this.options.batchSize) return;
      }
    } catch (err) {
      this.logger.error({ err }, 'outbox relay failed; retrying at the next poll');
    }
  }

  /**
   * One batch. @returns how many messages were dispatched, or 'busy' when another relay is dispatching.
   * One statement in the transaction: the relay lock taken together with the batch it then reads
   * and marks (events DONE, jobs DISPATCHED; nothing is read without the lock); the publishes and
   * enqueues follow, and the marks commit only once they all succeeded (a failure rolls them back,
   * so the batch is dispatched again).
   */
  async dispatchOnce(): Promise<number | 'busy'> {
    return this.db.$transaction(async (tx) => {
      // The lock's CTE is evaluated once, before the batch (a volatile function is not inlined).
      // The UPDATE re-checks the status of a row another relay marked meanwhile, and skips it.
      const found = await tx.$queryRaw<(Partial<BatchRow> & { locked: boolean })[]>`
        WITH relay AS (SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS locked),
        batch AS (
          SELECT "id" FROM "OutboxMessage" WHERE (SELECT locked FROM relay) AND "status" = 'PENDING'
          ORDER BY "createdAt", "id" LIMIT ${this.options.batchSize}
        ),
        marked AS (
          UPDATE "OutboxMessage" AS o SET
            "status" = (CASE WHEN o."queue" = ${EVENTS} THEN 'DONE' ELSE 'DISPATCHED' END)::"OutboxStatus",
            "dispatchedAt" = ${NOW},
            "doneAt" = CASE WHEN o."queue" = ${EVENTS} THEN ${NOW} ELSE o."doneAt" END
          FROM batch WHERE o."id" = batch."id" AND o."status" = 'PENDING'
          RETURNING o."id", o."queue", o."name", o."payload", o."traceparent", o."tracestate", o."createdAt"
        )
        SELECT relay.locked, m."id", m."queue", m."name", m."payload", m."traceparent", m."tracestate", m."createdAt"
        FROM relay LEFT JOIN marked m ON true
        ORDER BY m."createdAt", m."id"`;
      if (!found[0]?.locked) return 'busy' as const;
      const rows = found.filter((r): r is BatchRow & { locked: boolean } => typeof r.id === 'string');
      if (rows.length === 0) return 0;
      const byQueue = new Map<keyof OutboxQueues, BatchRow[]>();
      for (const row of rows) {
        if (row.queue === EVENTS) {
          const trace = traceOf(row);
          const event = row.payload as unknown as OrderStatusEvent;
          await publishOrderStatusEvent(this.redis, this.prefix, trace ? { ...event, trace } : event);
        } else {
          const queue = row.queue as keyof OutboxQueues;
          byQueue.set(queue, [...(byQueue.get(queue) ?? []), row]);
        }
      }
      for (const [queue, jobs] of byQueue) {
        await this.queues[queue].addBulk(
          jobs.map((j) => ({ name: j.name, data: j.payload, opts: { jobId: j.id, ...jobTraceOptions(traceOf(j)) } })),
        );
      }
      return rows.length;
    });
  }
}
