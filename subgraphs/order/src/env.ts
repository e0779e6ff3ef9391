import { z } from 'zod';
import { breakerEnvShape, databaseUrl, envSchema, parseConfig, port, workerEnvShape } from '@commerce/common';

const ms = (defaultMs: number) => z.coerce.number().int().min(0).default(defaultMs);

export const orderEnvSchema = envSchema({
  ORDER_DATABASE_URL: databaseUrl('order'),
  /**
   * PostgreSQL connections of one process's pool. Ship, deliver and checkout changes are interactive
   * transactions that hold a connection for every round trip; when those are slow (a loaded host)
   * the reads queue behind them, the status-event reads of subscriptions among them.
   */
  ORDER_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** HEALTH_PORT of this subgraph's worker processes (the subgraph itself serves health on its own port). */
  ...workerEnvShape,
  ORDER_PORT: port(4005),
  /** Circuit breakers of the calls to product, cart, user and the payment provider (docs/resilience.md). */
  ...breakerEnvShape,
  /** Checkout jobs one worker process runs at once. */
  CHECKOUT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /** BullMQ lock of an active checkout job; a worker that dies loses it after this long and another takes the job over. */
  CHECKOUT_LOCK_MS: ms(30_000),
  /** Payment provider; only the simulated one ships (tok_visa, tok_chargeDeclined, tok_timeout). */
  PAYMENT_PROVIDER: z.enum(['simulated']).default('simulated'),
  /** A payment call that has not answered after this long counts as timed out. */
  PAYMENT_TIMEOUT_MS: ms(10_000),
  /** Added latency of every simulated payment call (benchmarks, crash tests). */
  PAYMENT_SIMULATED_LATENCY_MS: ms(0),
  /** Backstop poll of the outbox relay. */
  OUTBOX_POLL_MS: ms(500),
  /** How often the reconciler looks for lost jobs and stale orders. */
  RECONCILE_INTERVAL_MS: ms(15_000),
  /** A dispatched job missing from Redis this long after dispatch is enqueued again. */
  RECONCILE_RECHECK_AFTER_MS: ms(10_000),
  /** A PENDING order older than this is failed (CHECKOUT_TIMEOUT) and its stock released. */
  PENDING_ORDER_MAX_AGE_MS: ms(15 * 60_000),
});
export type OrderConfig = ReturnType<typeof orderEnvSchema.parse>;

/** Reads and validates the order subgraph's environment once. @throws ConfigError */
export const loadOrderConfig = (env: NodeJS.ProcessEnv = process.env): OrderConfig => parseConfig(orderEnvSchema, env);
