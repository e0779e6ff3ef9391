/**
 * npm run bench:subscriptions — subscriptions at scale, measured (figures, not a timed test).
 *
 * Starts the benchmark stack (`scripts/lib/bench-stack.ts`: the five subgraphs, the checkout worker
 * and two gateway processes over databases, ports and a Redis prefix of their own), then opens
 * BENCH_SUBSCRIBERS (default 1000) graphql-ws connections, each with one `orderStatusChanged`
 * subscription with a cross-subgraph selection, spread evenly over BENCH_USERS (default 100)
 * customers and both gateways, and measures while an event source publishes order status changes
 * at BENCH_EVENTS_PER_SECOND (default 20). BENCH_EVENT_SOURCE picks the source:
 *
 * - `fulfilment` (default): BENCH_ROUNDS (default 3) orders per customer are checked out before
 *   the subscribers connect (not measured; BENCH_SETUP_CONCURRENCY, default 4, checkouts in flight,
 *   each waited for until CONFIRMED); then admins ship and deliver them through the gateways
 *   (`shipOrder`, then `deliverOrder` about half a second later), one mutation every
 *   1/BENCH_EVENTS_PER_SECOND s, open loop. The checkout's CPU then stays out of the measured
 *   window, which measures the subscription path (commit, outbox, Redis, gateways, sockets).
 * - `checkout`: BENCH_ROUNDS rounds of checkouts by every customer inside the measured window, at
 *   BENCH_ORDERS_PER_SECOND (default half the events/s: each makes PENDING, then CONFIRMED or
 *   FAILED). Checkouts the loaded machine cannot answer are counted, not fatal.
 *
 * BENCH_CPU_PROF_DIR writes `--cpu-prof` profiles of both gateways and the five subgraphs there
 * when they stop, and prints the window's bounds on the samples' clock (to cut the setup out of
 * them). It prints:
 *
 * - delivery ratio: results received / (events published in the window × subscribers of the
 *   event's user);
 * - latency from commit (the status event's `createdAt`, PostgreSQL's transaction time, shown as
 *   `updatedAt` in the event) to receipt by the client: p50/p95/p99/max;
 * - latency from the Redis PUBLISH (as a listener in the bench sees it) to receipt, which leaves
 *   out the order subgraph's commit-to-publish step;
 * - events/s published, and deliveries/s;
 * - gateway memory per connection: growth of both gateways' RSS once every subscriber is connected;
 * - per event: subgraph requests (the source's mutation included) and CPU-ms of the gateways and
 *   of the whole stack, which do not depend on the machine's load; mean times in the window (which
 *   do) of the gateways' queries (the event queries) and mutations, of their fetches per subgraph,
 *   and of the order subgraph's own queries and mutations;
 * - each process's CPU in the window (the bench's own included), and the load average.
 *
 * Everything it creates is dropped at the end. Everything shares this machine's cores: the figures
 * are for this machine under whatever else runs on it.
 */
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadCatalog } from '@commerce/seed-data';
import { SUBGRAPHS, bearer, createRedis, graphqlData, orderEventsChannel, type OrderStatusEvent } from '@commerce/common';
import { metricTotal, startBenchStack, subgraphRequests, type BenchStack } from './lib/bench-stack';
import { percentile } from './lib/load';
import { cpuSecondsOf, rssBytesOf } from './lib/processes';

type EventSource = 'fulfilment' | 'checkout';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const USERS = Number(process.env.BENCH_USERS ?? 100);
/** Orders per customer. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EVENTS_PER_SECOND = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 20);
const SOURCE = (process.env.BENCH_EVENT_SOURCE ?? 'fulfilment') as EventSource;
/** `checkout` source: checkouts started per second (each makes two status events). */
const CHECKOUTS_PER_SECOND = Number(process.env.BENCH_ORDERS_PER_SECOND ?? EVENTS_PER_SECOND / 2);
/** `fulfilment` source: checkouts in flight while the orders are placed before the window. */
const SETUP_CONCURRENCY = Number(process.env.BENCH_SETUP_CONCURRENCY ?? 4);
/** `fulfilment` source: an order is delivered this many orders after it shipped (≈ 0.55 s at 20 events/s). */
const DELIVERY_LAG = 5;
/** A folder for `--cpu-prof` profiles of both gateways (written when they stop); none by default. */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
/** `--cpu-prof` into `dir` (refused in NODE_OPTIONS: it goes on the command line, before the entry point). */
const profileFlags = (dir: string) => ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`];
const SELECTION = 'id status updatedAt items { quantity product { title } } user { email }';

const say = (line: string) => process.stdout.write(`${line}\n`);
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const message = (err: unknown) => (err instanceof Error ? err.message.slice(0, 200) : String(err));

const gql = <T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> =>
  graphqlData<T>(url, query, variables, bearer(token));

/** The statuses the bench's Redis listener has seen per order, and waits for a given one. */
class OrderWatch {
  private readonly seen = new Map<string, Set<string>>();
  private readonly waiters = new Map<string, Array<() => void>>();

  saw(event: OrderStatusEvent): void {
    let statuses = this.seen.get(event.orderId);
    if (!statuses) this.seen.set(event.orderId, (statuses = new Set()));
    statuses.add(event.status);
    for (const wake of this.waiters.get(event.orderId) ?? []) wake();
  }

  /** Resolves with the first of `statuses` the order reached, or null after `timeoutMs`. */
  async until(orderId: string, statuses: readonly string[], timeoutMs: number): Promise<string | null> {
    const reached = () => statuses.find((s) => this.seen.get(orderId)?.has(s)) ?? null;
    const deadline = Date.now() + timeoutMs;
    while (reached() === null && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(orderId) ?? [];
        list.push(resolve);
        this.waiters.set(orderId, list);
        setTimeout(resolve, 1000).unref();
      });
      this.waiters.delete(orderId);
    }
    return reached();
  }
}

interface Customer {
  token: string;
  userId: number;
}

/** Puts one well-stocked product in the customer's cart and checks out; resolves with the order id. */
async function checkOut(url: string, customer: Customer, productId: number, key: string): Promise<string> {
  await gql(url, `mutation { addToCart(productId: "${productId}", quantity: 1) { totalQuantity } }`, {}, customer.token);
  const { checkout } = await gql<{ checkout: { order: { id: string } } }>(
    url,
    'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id } } }',
    { key },
    customer.token,
  );
  return checkout.order.id;
}

/**
 * Setup of the `fulfilment` source, before the window: every customer's ROUNDS orders, one at a
 * time per customer, SETUP_CONCURRENCY customers at once, each waited for until it settles.
 * @returns the CONFIRMED orders, round by round (so consecutive orders belong to different customers)
 */
async function placeOrders(stack: BenchStack, customers: Customer[], productIds: number[], watch: OrderWatch): Promise<string[]> {
  const confirmed: string[][] = Array.from({ length: ROUNDS }, () => []);
  let failed = 0;
  let next = 0;
  const started = Date.now();
  const lane = async () => {
    for (let u = next++; u < customers.length; u = next++) {
      for (let round = 0; round < ROUNDS; round++) {
        const url = stack.gatewayUrls[(u + round) % stack.gatewayUrls.length]!;
        try {
          const id = await checkOut(url, customers[u]!, productIds[(u * ROUNDS + round) % productIds.length]!, `bench-${round}`);
          const status = await watch.until(id, ['CONFIRMED', 'FAILED'], 120_000);
          if (status === 'CONFIRMED') confirmed[round]!.push(id);
          else failed += 1;
        } catch (err) {
          failed += 1;
          if (failed <= 3) say(`  checkout failed: ${message(err)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, lane));
  const orders = confirmed.flat();
  say(`  ${orders.length} orders CONFIRMED (${failed} not) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return orders;
}

/** A histogram of the stack's own metrics whose mean over the window locates the time of an event. */
interface Timing {
  label: string;
  read: () => Promise<{ seconds: number; count: number }>;
}

/**
 * Where an event's time goes, from the processes' Prometheus histograms: the gateways' operations
 * (event queries are queries, the source's changes mutations), each gateway → subgraph fetch, and
 * the order subgraph's own time per query and mutation (the rest of a fetch is network and queue).
 */
function timings(stack: BenchStack): Timing[] {
  const histogram = (label: string, urls: readonly string[], metric: string, labels: Record<string, string>): Timing => ({
    label,
    read: async () => ({
      seconds: await metricTotal(urls, `${metric}_sum`, labels),
      count: await metricTotal(urls, `${metric}_count`, labels),
    }),
  });
  const operations = 'commerce_graphql_request_duration_seconds';
  const order = [stack.subgraphMetricsUrls.order];
  return [
    histogram('gateway queries', stack.gatewayMetricsUrls, operations, { type: 'query' }),
    histogram('gateway mutations', stack.gatewayMetricsUrls, operations, { type: 'mutation' }),
    ...SUBGRAPHS.filter((s) => s !== 'review' && s !== 'cart').map((subgraph) =>
      histogram(`fetch ${subgraph}`, stack.gatewayMetricsUrls, 'commerce_gateway_subgraph_fetch_duration_seconds', { subgraph }),
    ),
    histogram('order subgraph queries', order, operations, { type: 'query' }),
    histogram('order subgraph mutations', order, operations, { type: 'mutation' }),
  ];
}

/** What a source did in the window. */
interface SourceRun {
  /** Mutations that failed (their events never come). */
  failed: number;
  /** Events the source expects to be published once every mutation has committed. */
  expectedEvents: number;
  describe: string;
}

/**
 * The `fulfilment` source: one admin mutation every 1/EVENTS_PER_SECOND s, alternating a
 * `shipOrder` of the next order with a `deliverOrder` of the order shipped DELIVERY_LAG before it
 * (which waits for that ship to have answered). Open loop: a slow answer delays no other mutation.
 */
async function fulfil(stack: BenchStack, orders: string[], admins: string[]): Promise<SourceRun> {
  const steps: Array<{ order: number; kind: 'ship' | 'deliver' }> = [];
  for (let i = 0; i < orders.length + DELIVERY_LAG; i++) {
    if (i < orders.length) steps.push({ order: i, kind: 'ship' });
    if (i >= DELIVERY_LAG) steps.push({ order: i - DELIVERY_LAG, kind: 'deliver' });
  }
  const shipped = new Map<number, Promise<boolean>>();
  let failed = 0;
  const run = async (step: (typeof steps)[number], k: number): Promise<boolean> => {
    const url = stack.gatewayUrls[k % stack.gatewayUrls.length]!;
    const admin = admins[k % admins.length]!;
    const id = orders[step.order]!;
    try {
      if (step.kind === 'ship') {
        const trackingNumber = `1Z${String(step.order).padStart(16, '0')}`;
        await gql(
          url,
          'mutation($id: ID!, $n: String!) { shipOrder(id: $id, carrier: UPS, trackingNumber: $n) { id } }',
          { id, n: trackingNumber },
          admin,
        );
      } else {
        if (!(await shipped.get(step.order))) return false;
        await gql(url, 'mutation($id: ID!) { deliverOrder(id: $id) { id } }', { id }, admin);
      }
      return true;
    } catch (err) {
      failed += 1;
      if (failed <= 3) say(`  ${step.kind}Order failed: ${message(err)}`);
      return false;
    }
  };
  const started = performance.now();
  const running: Promise<boolean>[] = [];
  for (const [k, step] of steps.entries()) {
    // On a fixed schedule from the start, so a late timer does not slow the rate that follows.
    const wait = started + (k * 1000) / EVENTS_PER_SECOND - performance.now();
    if (wait > 0) await sleep(wait);
    const done = run(step, k);
    if (step.kind === 'ship') shipped.set(step.order, done);
    running.push(done);
  }
  const succeeded = (await Promise.all(running)).filter(Boolean).length;
  return { failed, expectedEvents: succeeded, describe: `${orders.length} orders shipped and delivered by admins` };
}

/** The `checkout` source: ROUNDS rounds of checkouts by every customer at CHECKOUTS_PER_SECOND, inside the window. */
async function checkOutInWindow(stack: BenchStack, customers: Customer[], productIds: number[]): Promise<SourceRun & { orders: string[] }> {
  const orders: string[] = [];
  const placing: Promise<void>[] = [];
  let failed = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [u, customer] of customers.entries()) {
      const url = stack.gatewayUrls[(u + round) % stack.gatewayUrls.length]!;
      placing.push(
        checkOut(url, customer, productIds[(u * ROUNDS + round) % productIds.length]!, `bench-${round}`).then(
          (id) => void orders.push(id),
          (err: unknown) => {
            // A checkout the loaded machine could not answer is counted, not fatal: its events never come.
            failed += 1;
            if (failed <= 3) say(`  checkout failed: ${message(err)}`);
          },
        ),
      );
      // A steady stream rather than bursts: latency then measures the subscription path, not a queue.
      await sleep(1000 / CHECKOUTS_PER_SECOND);
    }
    // A customer's next round waits for their previous cart to be checked out.
    await Promise.all(placing);
  }
  return { orders, failed, expectedEvents: 2 * orders.length, describe: `${orders.length} checkouts (${failed} failed)` };
}

async function main(stack: BenchStack): Promise<void> {
  const catalog = await loadCatalog();
  const users = catalog.users.filter((u) => u.role === 'user').slice(0, USERS);
  const adminUsers = catalog.users.filter((u) => u.role === 'admin').slice(0, 5);
  // Orders spread evenly over well-stocked products, so (nearly) all confirm rather than fail.
  const productIds = catalog.products.filter((p) => p.stock >= 50).map((p) => p.id);
  if (users.length < USERS || productIds.length * 50 < ROUNDS * USERS || adminUsers.length === 0)
    throw new Error('the catalog has too few customers, admins or stocked products for these settings');
  const [entry] = stack.gatewayUrls;
  const signIn = async (u: { username: string; password: string }) => {
    const { login } = await gql<{ login: { accessToken: string } }>(
      entry!,
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
      { u: u.username, p: u.password },
    );
    return login.accessToken;
  };
  say(`▸ Signing in ${users.length} customers and ${adminUsers.length} admins…`);
  const customers: Customer[] = [];
  for (const u of users) {
    const token = await signIn(u);
    const { me } = await gql<{ me: { id: string } }>(entry!, '{ me { id } }', {}, token);
    customers.push({ token, userId: Number(me.id) });
  }
  const admins = await Promise.all(adminUsers.map(signIn));

  // Every published event, as the gateways see it; only those of the window are counted.
  const watch = new OrderWatch();
  const published: OrderStatusEvent[] = [];
  /** When the bench's own Redis listener saw each event (orderId/status): the moment it was published. */
  const publishedAt = new Map<string, number>();
  let measuring = false;
  const listener = createRedis(stack.redisUrl, 'bench-listener');
  listener.on('message', (_channel: string, raw: string) => {
    const event = JSON.parse(raw) as OrderStatusEvent;
    watch.saw(event);
    if (!measuring) return;
    publishedAt.set(`${event.orderId}/${event.status}`, Date.now());
    published.push(event);
  });
  await listener.subscribe(orderEventsChannel(stack.redisPrefix));

  let orders: string[] = [];
  if (SOURCE === 'fulfilment') {
    say(`▸ Setup (not measured): ${ROUNDS} orders per customer, ${SETUP_CONCURRENCY} checkouts at a time, each until CONFIRMED…`);
    orders = await placeOrders(stack, customers, productIds, watch);
  }

  // Warm both gateways' query plans before measuring memory.
  await Promise.all(stack.gatewayUrls.map((url) => gql(url, '{ categories { id } }')));
  const rssBefore = stack.gatewayProcesses.map((g) => rssBytesOf(g.pid) ?? Number.NaN);

  say(`▸ Opening ${SUBSCRIBERS} graphql-ws subscribers (${SUBSCRIBERS / customers.length} per customer, half on each gateway)…`);
  const subscribersOf = new Map<number, number>();
  const received = new Set<string>();
  let deliveries = 0;
  let duplicates = 0;
  let errors = 0;
  let partial = 0;
  const latencies: number[] = [];
  const fromPublish: number[] = [];
  let lastReceipt = 0;
  const clients: Client[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const u = i % customers.length;
    const gateway = Math.floor(i / customers.length) % stack.gatewayUrls.length;
    const { token, userId } = customers[u]!;
    subscribersOf.set(userId, (subscribersOf.get(userId) ?? 0) + 1);
    const client = createClient({
      url: stack.gatewayUrls[gateway]!.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    clients.push(client);
    client.subscribe<{ orderStatusChanged: { id: string; status: string; updatedAt: string } }>(
      { query: `subscription { orderStatusChanged { ${SELECTION} } }` },
      {
        next: (msg) => {
          const now = Date.now();
          if (!msg.data) return void (errors += 1);
          if (msg.errors?.length) partial += 1;
          const e = msg.data.orderStatusChanged;
          const key = `${i}/${e.id}/${e.status}`;
          if (received.has(key)) return void (duplicates += 1);
          received.add(key);
          deliveries += 1;
          lastReceipt = now;
          latencies.push(now - Date.parse(e.updatedAt));
          const at = publishedAt.get(`${e.id}/${e.status}`);
          if (at !== undefined) fromPublish.push(now - at);
        },
        error: () => void (errors += 1),
        complete: () => undefined,
      },
    );
    // A query on the same socket answers after the subscription was set up.
    await new Promise((resolve, reject) =>
      client.subscribe({ query: '{ __typename }' }, { next: resolve, error: reject, complete: () => undefined }),
    );
  }
  await sleep(2000);
  const rssAfter = stack.gatewayProcesses.map((g) => rssBytesOf(g.pid) ?? Number.NaN);

  say(
    SOURCE === 'fulfilment'
      ? `▸ Window: admins ship and deliver ${orders.length} orders through both gateways, ${EVENTS_PER_SECOND} mutations/s (load average ${loadAverage()})…`
      : `▸ Window: ${ROUNDS} rounds of checkouts by ${customers.length} customers through both gateways, ${CHECKOUTS_PER_SECOND} orders/s (≈ ${2 * CHECKOUTS_PER_SECOND} status events/s; load average ${loadAverage()})…`,
  );
  measuring = true;
  const started = Date.now();
  // V8 stamps profile samples with the same monotonic clock (µs), so a profile can be cut to the window.
  const windowFrom = process.hrtime.bigint() / 1000n;
  const cpuBefore = stack.processes.map((c) => cpuSecondsOf(c.pid) ?? Number.NaN);
  const benchCpuBefore = process.cpuUsage();
  const requestsBefore = await subgraphRequests(stack);
  const timingsBefore = await Promise.all(timings(stack).map((t) => t.read()));
  const run = SOURCE === 'fulfilment' ? await fulfil(stack, orders, admins) : await checkOutInWindow(stack, customers, productIds);
  // Wait until every committed change has been published and its deliveries had a fair chance to arrive.
  for (let waited = 0; published.length < run.expectedEvents && waited < 120_000; waited += 100) await sleep(100);
  const expected = () => published.reduce((sum, e) => sum + (subscribersOf.get(e.userId) ?? 0), 0);
  for (let quiet = 0; deliveries < expected() && quiet < 30_000; quiet += 100) await sleep(100);
  const wall = (Date.now() - started) / 1000;
  const windowTo = process.hrtime.bigint() / 1000n;
  const used = stack.processes.map((c, i) => (cpuSecondsOf(c.pid) ?? Number.NaN) - cpuBefore[i]!);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const cpu = [
    ...stack.processes.map((c, i) => `${c.name.replace('gateway-', 'gw ')} ${((100 * used[i]!) / wall).toFixed(0)}%`),
    `bench ${((benchCpu.user + benchCpu.system) / 1e4 / wall).toFixed(0)}%`,
  ];
  const gatewayCpu = stack.processes.reduce((sum, c, i) => sum + (stack.gatewayProcesses.includes(c) ? used[i]! : 0), 0);
  const stackCpu = used.reduce((a, b) => a + b, 0);
  const requests = (await subgraphRequests(stack)) - requestsBefore;
  const timingsAfter = await Promise.all(timings(stack).map((t) => t.read()));
  const timed = timings(stack).map((t, i) => {
    const count = timingsAfter[i]!.count - timingsBefore[i]!.count;
    const seconds = timingsAfter[i]!.seconds - timingsBefore[i]!.seconds;
    return `${t.label} ${count > 0 ? ((1000 * seconds) / count).toFixed(0) : '–'} ms (${count})`;
  });
  const lastPublish = Math.max(...published.map((e) => Date.parse(e.occurredAt)));

  const sorted = [...latencies].sort((a, b) => a - b);
  const sortedFromPublish = [...fromPublish].sort((a, b) => a - b);
  const perConnection = (rssAfter.reduce((a, b) => a + b, 0) - rssBefore.reduce((a, b) => a + b, 0)) / SUBSCRIBERS;
  const seconds = (lastPublish - started) / 1000;
  say('');
  say(
    `subscribers:          ${SUBSCRIBERS} graphql-ws connections (${customers.length} customers × ${SUBSCRIBERS / customers.length}), ${stack.gatewayUrls.length} gateway processes`,
  );
  const byStatus = new Map<string, number>();
  for (const e of published) byStatus.set(e.status, (byStatus.get(e.status) ?? 0) + 1);
  say(
    `source:               ${SOURCE}: ${run.describe}; ${run.failed} mutations failed, ${published.length} status events published (${[...byStatus].map(([status, n]) => `${n} ${status}`).join(', ')}; ${run.expectedEvents} from the changes answered)`,
  );
  say(
    `delivery ratio:       ${((100 * deliveries) / expected()).toFixed(2)}% (${deliveries} of ${expected()} expected; ${duplicates} duplicates, ${errors} errors, ${partial} with field errors)`,
  );
  say(
    `latency commit→client: p50 ${percentile(sorted, 50)} ms, p95 ${percentile(sorted, 95)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms`,
  );
  say(
    `latency publish→client: p50 ${percentile(sortedFromPublish, 50)} ms, p95 ${percentile(sortedFromPublish, 95)} ms, p99 ${percentile(sortedFromPublish, 99)} ms (Redis PUBLISH seen by the bench → client)`,
  );
  say(
    `throughput:           ${(published.length / seconds).toFixed(1)} events/s published, ${(deliveries / ((lastReceipt - started) / 1000)).toFixed(0)} deliveries/s`,
  );
  say(
    `gateway memory:       ${(perConnection / 1024).toFixed(1)} KiB RSS per connection (RSS ${rssBefore.map((b) => (b / 2 ** 20).toFixed(0)).join('/')} → ${rssAfter.map((a) => (a / 2 ** 20).toFixed(0)).join('/')} MiB)`,
  );
  say(
    `per event:            ${(requests / published.length).toFixed(2)} subgraph requests; CPU ${((1000 * gatewayCpu) / published.length).toFixed(1)} ms in the gateways, ${((1000 * stackCpu) / published.length).toFixed(1)} ms in the stack (the source's mutation included)`,
  );
  say(`mean times:           ${timed.join(', ')}`);
  say(`cpu in the window:    ${cpu.join(', ')} (of one core; ${os.cpus().length} cores)`);
  say(`load average:         ${loadAverage()}`);
  if (CPU_PROFILE_DIR) {
    say(
      `profiles:             window ${windowFrom}–${windowTo} µs (monotonic, as the samples); ${stack.processes.map((c) => `${c.name} pid ${c.pid}`).join(', ')}`,
    );
  }
  say('');

  await Promise.all(clients.map((c) => c.dispose()));
  await listener.quit();
}

async function run(): Promise<void> {
  if (SOURCE !== 'fulfilment' && SOURCE !== 'checkout') throw new Error(`BENCH_EVENT_SOURCE must be fulfilment or checkout, got ${SOURCE}`);
  const pool = process.env.ORDER_DATABASE_POOL_SIZE;
  say(`▸ bench:subscriptions, source ${SOURCE}, order pool ${pool ?? 'default'} (ORDER_DATABASE_POOL_SIZE), load average ${loadAverage()}`);
  const stack = await startBenchStack({
    catalog: { kind: 'dummyjson' },
    portOffset: 1400,
    gateways: 2,
    workers: ['checkout-worker'],
    env: { CHECKOUT_CONCURRENCY: '10' },
    // --cpu-prof is refused in NODE_OPTIONS: it goes on the command line, before the entry point (gateways and subgraphs).
    ...(CPU_PROFILE_DIR ? { nodeFlags: (label: string) => (label === 'checkout-worker' ? [] : profileFlags(CPU_PROFILE_DIR)) } : {}),
  });
  try {
    await main(stack);
  } finally {
    await stack.close();
  }
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:subscriptions failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
