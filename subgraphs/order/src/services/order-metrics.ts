import { addGaugeSource, counter, gauge, histogram } from '@commerce/common';
import type { OrderDb, OrderStatus } from '../db';

/** Buckets of a checkout from PENDING to its final state, in s: 50 ms … 15 min (PENDING_ORDER_MAX_AGE_MS). */
const CHECKOUT_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

const checkoutDuration = () =>
  histogram(
    'commerce_checkout_duration_seconds',
    'Time from an order being placed (PENDING) to its final checkout state, by that state (CONFIRMED, FAILED).',
    ['status'],
    CHECKOUT_BUCKETS_S,
  );
const ordersFinalized = () =>
  counter('commerce_orders_finalized_total', 'Checkouts ended, by final status and failure reason ("" when confirmed).', [
    'status',
    'failure_reason',
  ]);
const couponsRedeemed = () =>
  counter('commerce_coupons_redeemed_total', 'Coupon redemptions taken by checkouts, by coupon type.', ['type']);
const outboxPending = () => gauge('commerce_outbox_pending_messages', 'Outbox messages of the order subgraph not yet dispatched.');
const outboxOldestAge = () =>
  gauge('commerce_outbox_oldest_pending_age_seconds', 'Age of the oldest undispatched outbox message (0 when none): the relay lag.');

/**
 * Records an order that left PENDING (committed): its checkout duration since `createdAt` and its
 * final status with the failure reason, a bounded set (FailureReason in order-lifecycle.ts).
 */
export function recordCheckoutEnded(order: { status: OrderStatus; failureReason: string | null; createdAt: Date }): void {
  const seconds = Math.max(0, (Date.now() - order.createdAt.getTime()) / 1000);
  checkoutDuration().observe({ status: order.status }, seconds);
  ordersFinalized().inc({ status: order.status, failure_reason: order.failureReason ?? '' });
}

/** Counts a redemption a checkout newly took (not one it already held). */
export function recordCouponRedeemed(type: string): void {
  couponsRedeemed().inc({ type });
}

/**
 * Reports the outbox of `db` at each scrape (one aggregate query): pending messages and the age
 * of the oldest. One outbox per process; a second call replaces the first.
 * @returns stops reporting.
 */
export function watchOutbox(db: OrderDb): () => void {
  // The order process's families are scraped (HELP and TYPE) from the start, before their first sample.
  checkoutDuration();
  ordersFinalized();
  couponsRedeemed();
  let latest: Promise<{ count: number; oldestMs: number | null }> | undefined;
  // Both gauges are read in one scrape: they share one query.
  const read = () =>
    (latest ??= db.outboxMessage
      .aggregate({ where: { status: 'PENDING' }, _count: { _all: true }, _min: { createdAt: true } })
      .then((r) => ({ count: r._count._all, oldestMs: r._min.createdAt?.getTime() ?? null }))
      .finally(() => setTimeout(() => (latest = undefined), 100).unref()));
  const stopPending = addGaugeSource(outboxPending(), 'outbox', async (g) => g.inc((await read()).count));
  const stopAge = addGaugeSource(outboxOldestAge(), 'outbox', async (g) => {
    const { oldestMs } = await read();
    g.inc(oldestMs === null ? 0 : Math.max(0, (Date.now() - oldestMs) / 1000));
  });
  return () => {
    stopPending();
    stopAge();
  };
}
