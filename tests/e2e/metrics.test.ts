import { QueueName, startMetricsListener, type MetricsListener } from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { labelSets, scrape, total, type Scrape } from '../support/metrics';
import { orderProbes } from '../support/orders';
import { customerTokens } from '../support/shoppers';
import { startStack, type Stack } from '../support/stack';
import { CATALOG_QUERY, checkoutWorkload, type WorkloadResult } from '../support/workload';

// Issue 12 item 1: every metric family is served on the metrics listener and moves under a known
// workload (scrape, run the workload, scrape again). The whole stack runs in this process, so
// one listener serves every server's and worker's metrics, as each process's own would.

let stack: Stack;
let catalog: Catalog;
let metrics: MetricsListener;
let before: Scrape;
let during: Scrape;
let after: Scrape;
let run: WorkloadResult;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  await stack.startWorkers();
  metrics = await startMetricsListener(0, '127.0.0.1', stack.logger);
  before = await scrape(metrics.url);

  // Outbox lag: with the relay stopped, an order's messages wait in the outbox.
  await stack.orderServices.relay.stop();
  const [late] = await customerTokens(catalog, 60, 1);
  await stack.gql('mutation { addToCart(productId: "1", quantity: 1) { totalQuantity } }', {}, late!.token);
  const held = await stack.gql<{ checkout: { order: { id: string } } }>(
    'mutation Hold { checkout(input: { idempotencyKey: "metrics-held" }) { order { id } } }',
    {},
    late!.token,
  );
  during = await scrape(metrics.url);
  stack.orderServices.relay.start();

  run = await checkoutWorkload(stack, catalog, 50);
  await stack.gql('query Broken { noSuchField }');
  await orderProbes(stack).allSettled([held.data!.checkout.order.id]);
  // A job that fails for good: a checkout job of an order that does not exist.
  await stack.orderServices.queues.checkout.add('checkout', { orderId: 'no-such-order' }, { jobId: 'metrics-bogus' });
  // Rate-limit refusals: a second gateway instance on the same counters, with a budget of one request per address.
  const strict = await stack.startAnotherGateway({
    rateLimits: { perUser: { points: 1, durationSeconds: 60 }, perIp: { points: 1, durationSeconds: 60 } },
  });
  await stack.gql(CATALOG_QUERY, {}, undefined, strict);
  await stack.gql(CATALOG_QUERY, {}, undefined, strict);
  after = await eventually(async () => {
    const s = await scrape(metrics.url);
    // The bogus job's failure and the compensation of the declined order are asynchronous.
    return total(s, 'commerce_job_failures_total', { queue: QueueName.checkout, final: 'true' }) >= 1 &&
      total(s, 'commerce_job_duration_seconds_count', { queue: QueueName.checkout }) >= 4
      ? s
      : undefined;
  }, 'the failed job to be counted');
}, 240_000);

afterAll(async () => {
  await metrics?.close();
  await stack?.close();
});

const moved = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

test('the listener serves GET /metrics only; the public gateway port does not serve it', async () => {
  expect((await fetch(metrics.url, { method: 'POST' })).status).toBe(405);
  expect((await fetch(metrics.url.replace('/metrics', '/other'))).status).toBe(404);
  const head = await fetch(metrics.url, { method: 'HEAD' });
  expect(head.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  expect((await fetch(stack.gateway.url.replace('/graphql', '/metrics'))).status).toBe(404);
});

test('default Node metrics are present', () => {
  for (const name of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
  ]) {
    expect(after.families.has(name)).toBe(true);
  }
  expect(total(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
});

test('GraphQL and HTTP request durations move, by operation name, type and outcome', () => {
  expect(
    moved('commerce_graphql_request_duration_seconds_count', {
      server: 'gateway',
      operation: 'Catalog',
      type: 'query',
      outcome: 'success',
    }),
  ).toBeGreaterThanOrEqual(3);
  expect(moved('commerce_graphql_request_duration_seconds_count', { server: 'gateway', operation: 'Checkout', type: 'mutation' })).toBe(2);
  expect(
    moved('commerce_graphql_request_duration_seconds_count', { server: 'product', type: 'query', outcome: 'success' }),
  ).toBeGreaterThan(0);
  expect(moved('commerce_graphql_request_duration_seconds_count', { operation: 'Broken', type: 'unknown', outcome: 'error' })).toBe(1);
  expect(moved('commerce_graphql_errors_total', { server: 'gateway', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
  // The strict gateway's refusal (before any operation runs) shows as HTTP 429.
  expect(
    moved('commerce_http_request_duration_seconds_count', { server: 'gateway', route: '/graphql', status_code: '429' }),
  ).toBeGreaterThanOrEqual(1);
  expect(
    moved('commerce_http_request_duration_seconds_count', { server: 'gateway', method: 'POST', route: '/graphql', status_code: '200' }),
  ).toBeGreaterThan(0);
  expect(moved('commerce_http_request_duration_seconds_count', { server: 'order', route: '/graphql' })).toBeGreaterThan(0);
  // No user or order id ever becomes a label value.
  const values = after.samples.flatMap((s) => Object.values(s.labels));
  expect(values).not.toContain(run.confirmed);
  expect(values.some((v) => /^\d+$/.test(v) && v.length > 3 && !/^[1-5]\d\d$/.test(v))).toBe(false);
});

test('gateway: subgraph fetch durations per subgraph, query-plan cache hits and misses', () => {
  for (const subgraph of ['product', 'cart', 'order']) {
    expect(moved('commerce_gateway_subgraph_fetch_duration_seconds_count', { subgraph, outcome: 'ok' })).toBeGreaterThan(0);
  }
  // Catalog was planned once and then found in the cache.
  expect(moved('commerce_gateway_query_plan_cache_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(2);
  expect(moved('commerce_gateway_query_plan_cache_lookups_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
});

test('subscriptions: events delivered by transport, none left open; slow-consumer closes declared', () => {
  expect(run.wsEvents).toBeGreaterThanOrEqual(2);
  expect(moved('commerce_gateway_subscription_events_total', { transport: 'ws' })).toBe(run.wsEvents);
  // The stream may have sent a stock change of the workload's compensation before the client closed it.
  expect(run.sseEvents).toBe(1);
  expect(moved('commerce_gateway_subscription_events_total', { transport: 'sse' })).toBeGreaterThanOrEqual(1);
  expect(total(after, 'commerce_gateway_subscriptions_active', { transport: 'sse' })).toBe(0);
  expect(total(after, 'commerce_gateway_subscriptions_active', { transport: 'ws' })).toBe(0);
  expect(after.families.get('commerce_gateway_subscriptions_active')).toBe('gauge');
  expect(after.families.get('commerce_gateway_slow_consumer_closes_total')).toBe('counter');
});

test('rate-limit refusals count by limiter', () => {
  expect(moved('commerce_rate_limit_refusals_total', { limiter: 'gateway-ip' })).toBeGreaterThanOrEqual(1);
});

test('checkout: duration from PENDING to the final state, orders by final status and reason, coupons redeemed', () => {
  expect(moved('commerce_checkout_duration_seconds_count', { status: 'CONFIRMED' })).toBe(2);
  expect(moved('commerce_checkout_duration_seconds_count', { status: 'FAILED' })).toBe(1);
  expect(moved('commerce_checkout_duration_seconds_sum')).toBeGreaterThan(0);
  expect(moved('commerce_orders_finalized_total', { status: 'FAILED', failure_reason: 'PAYMENT_DECLINED' })).toBe(1);
  expect(moved('commerce_orders_finalized_total', { status: 'CONFIRMED', failure_reason: '' })).toBe(2);
  expect(moved('commerce_coupons_redeemed_total', { type: 'PERCENTAGE' })).toBe(1);
});

test('queues: depth per state on scrape, job durations and failures per queue', () => {
  expect(moved('commerce_queue_jobs', { queue: QueueName.checkout, state: 'completed' })).toBeGreaterThanOrEqual(3);
  expect(total(after, 'commerce_queue_jobs', { queue: QueueName.checkout, state: 'failed' })).toBe(1);
  const states = new Set(labelSets(after, 'commerce_queue_jobs').map((l) => `${l.queue}/${l.state}`));
  // Every queue whose worker the stack runs (the guest-cart sweep is a process of its own: guest-carts.test.ts).
  for (const queue of Object.values(QueueName).filter((q) => q !== QueueName.guestCartExpiry)) expect({ queue, scraped: states.has(`${queue}/waiting`) }).toEqual({ queue, scraped: true });
  expect(moved('commerce_job_duration_seconds_count', { queue: QueueName.checkout, outcome: 'completed' })).toBeGreaterThanOrEqual(3);
  expect(moved('commerce_job_duration_seconds_count', { queue: QueueName.notifications, outcome: 'completed' })).toBeGreaterThanOrEqual(1);
  expect(moved('commerce_job_failures_total', { queue: QueueName.checkout, final: 'true' })).toBe(1);
});

test('outbox: pending messages and the age of the oldest while the relay is stopped, none after', () => {
  expect(total(before, 'commerce_outbox_pending_messages')).toBe(0);
  expect(total(during, 'commerce_outbox_pending_messages')).toBeGreaterThanOrEqual(1);
  expect(total(during, 'commerce_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
  expect(total(after, 'commerce_outbox_pending_messages')).toBe(0);
  expect(total(after, 'commerce_outbox_oldest_pending_age_seconds')).toBe(0);
});

test('Prisma pools: connections per database and state', () => {
  for (const database of ['user', 'product', 'review', 'cart', 'order']) {
    expect(labelSets(after, 'commerce_db_pool_connections').some((l) => l.database === database && l.state === 'waiting')).toBe(true);
  }
  // Idle connections close after pg's idle timeout; right after the held checkout they were open.
  for (const database of ['cart', 'order'])
    expect(total(during, 'commerce_db_pool_connections', { database, state: 'total' })).toBeGreaterThan(0);
  expect(total(during, 'commerce_db_pool_connections', { database: 'order', state: 'total' })).toBeLessThanOrEqual(10);
});
