/**
 * npm run bench:checkout — checkout throughput and latency, in three parts:
 *
 * 1. Sustained: BENCH_USERS (default 50) signed-in customers each fill their cart from a DummyJSON
 *    cart (`carts.json` in SEED_DATA_DIR; where that file is absent, carts in the same format are
 *    generated from the catalog with a fixed seed) and all check out at once; BENCH_ROUNDS (default
 *    4) such bursts, with 1 and with 2 checkout worker processes. Measured: sustained checkouts/s
 *    (orders settled ÷ time from the first checkout request of a burst to its last CONFIRMED event,
 *    summed over the bursts) and p50/p95 of the time from a checkout's response to its CONFIRMED
 *    event on the graphql-ws subscription through the gateway.
 * 2. Offered load (one worker): checkouts arrive at a steady BENCH_RATE per second (default 20) for
 *    BENCH_RATE_SECONDS (default 10), each from another shopper, whatever the answers do (open
 *    loop). Measured: p50/p95 response → CONFIRMED and request → CONFIRMED, the rate achieved.
 * 3. Burst (one worker): BENCH_BURST (default 200) shoppers send `checkout` at the same moment.
 *    Measured: the mutation's own p50/p95/p99 (request → response), the error codes answered, and
 *    the time until every order has settled.
 *
 * Filling carts is not measured. CPU: each process's CPU time (user + system, from /proc) over
 * each part, per checkout, and that of the PostgreSQL backends serving the bench's databases
 * (`postgres`); this process's own (its shoppers' clients) on a row outside the total.
 * BENCH_CPU_PROF=<dir> runs every process with `--cpu-prof` into `<dir>/<process>/` (written when
 * the process exits at the end).
 *
 * It runs on the benchmark stack (scripts/lib/bench-stack.ts, as bench:catalog, bench:gateways and
 * bench:subscriptions): databases `bench_<pid>_<subgraph>` migrated and seeded (stock topped up
 * here), free ports, REDIS_PREFIX `bench-<pid>`, the manifest's processes; the checkout workers
 * are the manifest's too, started and stopped per part. Shoppers beyond the catalog's customers
 * are registered. Everything is stopped and dropped at the end.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { QueueName, bearer, openQueue, createRedis, graphql, graphqlData } from '@commerce/common';
import { withDatabase } from '@commerce/db-tools';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { seededRandom } from './lib/random';
import { cpuSecondsOf } from './lib/processes';
import { freePort, startBenchStack, type BenchStack } from './lib/bench-stack';

const USERS = Number(process.env.BENCH_USERS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WORKER_COUNTS = [1, 2];
const RATE = Number(process.env.BENCH_RATE ?? 20);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const BURST = Number(process.env.BENCH_BURST ?? 200);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const TOP_UP_STOCK = 1_000_000;
/** An order without its CONFIRMED/FAILED event this long after its response counts as UNSETTLED. */
const SETTLE_TIMEOUT_MS = 60_000;

const id = `bench_${process.pid}`;
const say = (line: string) => process.stdout.write(`${line}\n`);

// DummyJSON carts ------------------------------------------------------------------------------

/** A DummyJSON cart (https://dummyjson.com/carts), the fields the benchmark uses. */
interface DummyCart {
  id: number;
  userId: number;
  products: { id: number; quantity: number }[];
}

/**
 * The carts from `carts.json` next to the catalog, with product ids mapped onto the seeded catalog
 * (the seed keeps DummyJSON's ids; an id the catalog lacks maps to a product by position).
 * Without the file: 50 carts of 1–5 distinct products, 1–3 each, like DummyJSON's.
 */
function loadCarts(catalog: Catalog): { carts: DummyCart[]; source: string } {
  const ids = catalog.products.map((p) => p.id);
  const known = new Set(ids);
  const file = path.join(catalog.dataDir, 'carts.json');
  if (existsSync(file)) {
    const { carts } = JSON.parse(readFileSync(file, 'utf8')) as { carts: DummyCart[] };
    const mapped = carts.map((c) => ({
      ...c,
      products: c.products.map((p) => ({ id: known.has(p.id) ? p.id : ids[p.id % ids.length]!, quantity: p.quantity })),
    }));
    return { carts: mapped, source: file };
  }
  const random = seededRandom(20261121);
  const carts = Array.from({ length: 50 }, (_, i) => {
    const picked = new Set<number>();
    const size = 1 + Math.floor(random() * 5);
    while (picked.size < size) picked.add(ids[Math.floor(random() * ids.length)]!);
    return { id: i + 1, userId: i + 1, products: [...picked].map((pid) => ({ id: pid, quantity: 1 + Math.floor(random() * 3) })) };
  });
  return { carts, source: `generated (no ${file})` };
}

// Processes ------------------------------------------------------------------------------------

/** Node flags of a process: `--cpu-prof` into BENCH_CPU_PROF/<label>/ when profiling. */
function profiled(label: string): string[] {
  if (!CPU_PROF_DIR) return [];
  const dir = path.join(CPU_PROF_DIR, label);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; NaN elsewhere). */
const cpuMsOf = (pid: number | undefined): number => (cpuSecondsOf(pid) ?? NaN) * 1000;

/**
 * The parts' time windows, in µs of the monotonic clock (V8 stamps its CPU profile samples on the
 * same clock on Linux), written next to the profiles so they can be read per part.
 */
const windows: { part: string; startUs: number; endUs: number }[] = [];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
async function part<T>(name: string, run: () => Promise<T>): Promise<T> {
  const startUs = nowUs();
  try {
    return await run();
  } finally {
    windows.push({ part: name, startUs, endUs: nowUs() });
    if (CPU_PROF_DIR) writeFileSync(path.join(CPU_PROF_DIR, 'windows.json'), JSON.stringify(windows, null, 2));
  }
}

/**
 * The row of this process's own CPU: it shares the two cores with the system under test, so it is
 * printed, but apart from the system's total.
 */
const LOAD_GENERATOR = 'bench clients (not in total)';

/** The processes whose CPU is measured: name → pid. */
const measured = new Map<string, number | undefined>();

/** CPU ms so far of each measured process, and of each PostgreSQL backend serving the bench's databases (by pid). */
interface CpuSnapshot {
  processes: Map<string, number>;
  backends: Map<number, number>;
  /** This process's own CPU ms (the shoppers' HTTP and graphql-ws clients), shown apart from the system's. */
  self: number;
}

/** A connection to the server's maintenance database, to list the bench databases' backends. */
let serverAdmin: PgClient | undefined;

async function cpuSnapshot(): Promise<CpuSnapshot> {
  const { rows } = serverAdmin
    ? await serverAdmin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname LIKE $1', [`${id}\\_%`])
    : { rows: [] };
  return {
    processes: new Map([...measured].map(([name, pid]) => [name, cpuMsOf(pid)])),
    backends: new Map(rows.map(({ pid }) => [pid, cpuMsOf(pid)])),
    self: cpuMsOf(process.pid),
  };
}

/**
 * CPU ms per checkout of each process between two snapshots, and of PostgreSQL's backends for the
 * bench's databases together (`postgres`: a backend that started in between counts from zero; one
 * that ended in between is missed, which the pools' long-lived connections make rare).
 */
const cpuPerCheckout = (before: CpuSnapshot, after: CpuSnapshot, checkouts: number) => {
  const perCheckout = new Map([...after.processes].map(([name, ms]) => [name, (ms - (before.processes.get(name) ?? NaN)) / checkouts]));
  let backends = 0;
  for (const [pid, ms] of after.backends) if (Number.isFinite(ms)) backends += ms - (before.backends.get(pid) ?? 0);
  if (serverAdmin) perCheckout.set('postgres', backends / checkouts);
  perCheckout.set(LOAD_GENERATOR, (after.self - before.self) / checkouts);
  return perCheckout;
};

/**
 * One more checkout worker of the stack (`checkout-worker-<n>`), with health and metrics ports of
 * its own so two can run at once. @returns a function that stops it.
 */
async function startCheckoutWorker(stack: BenchStack, index: number): Promise<() => Promise<void>> {
  const label = `checkout-worker-${index + 1}`;
  const env = { HEALTH_PORT: String(await freePort()), METRICS_PORT: String(await freePort()) };
  const child = stack.start('checkout-worker', { label, env });
  measured.set(label, child.pid);
  return async () => {
    await child.stop(20_000);
    measured.delete(label);
  };
}

const gql = <T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> =>
  graphqlData<T>(url, query, variables, bearer(token));

const CHECKOUT = 'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id } } }';

interface Shopper {
  token: string;
  ws: WsClient;
  /** Order id → when its CONFIRMED/FAILED event arrived (performance.now()). */
  settled: Map<string, { at: number; status: string }>;
  waiters: Map<string, () => void>;
}

/** Resolves when the subscription has delivered the order's CONFIRMED/FAILED event, or as UNSETTLED after SETTLE_TIMEOUT_MS. */
function settledEvent(shopper: Shopper, orderId: string): Promise<{ at: number; status: string }> {
  const known = shopper.settled.get(orderId);
  if (known) return Promise.resolve(known);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ at: NaN, status: 'UNSETTLED' }), SETTLE_TIMEOUT_MS);
    shopper.waiters.set(orderId, () => {
      clearTimeout(timer);
      resolve(shopper.settled.get(orderId)!);
    });
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const sortedOf = (values: number[]) => [...values].sort((a, b) => a - b);

/** Fills each shopper's cart with a DummyJSON cart, FILL_CONCURRENCY shoppers at a time (not measured). */
async function fillCarts(gatewayUrl: string, shoppers: Shopper[], carts: DummyCart[], offset: number): Promise<void> {
  let next = 0;
  const filler = async () => {
    for (let i = next++; i < shoppers.length; i = next++) {
      const cart = carts[(i + offset) % carts.length]!;
      for (const line of cart.products) {
        const add = () =>
          gql(
            gatewayUrl,
            'mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalQuantity } }',
            { p: String(line.id), q: line.quantity },
            shoppers[i]!.token,
          );
        // A loaded machine times some out; the cart's exact content does not matter here.
        await add().catch(() => sleep(1_000).then(add));
      }
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, filler));
}
const FILL_CONCURRENCY = 8;

/** One checkout: its request, response and settlement times (performance.now()), or the error codes it got. */
interface CheckoutTiming {
  sentAt: number;
  respondedAt: number;
  settled?: { at: number; status: string };
  errorCodes?: string[];
}

async function checkOut(gatewayUrl: string, shopper: Shopper, key: string): Promise<CheckoutTiming> {
  const sentAt = performance.now();
  const response = await graphql<{ checkout: { order: { id: string } } }>(gatewayUrl, CHECKOUT, { key }, bearer(shopper.token)).catch(
    (err: unknown) => ({ status: 0, data: undefined, errors: [{ message: String(err), extensions: { code: 'FETCH_FAILED' } }] }),
  );
  const respondedAt = performance.now();
  const orderId = response.data?.checkout?.order.id;
  if (!orderId || response.errors?.length) {
    const codes = (response.errors ?? [{ extensions: { code: `HTTP_${response.status}` } }]).map((e) =>
      String((e as { extensions?: { code?: unknown } }).extensions?.code ?? 'NO_CODE'),
    );
    return { sentAt, respondedAt, errorCodes: codes };
  }
  return { sentAt, respondedAt, settled: await settledEvent(shopper, orderId) };
}

/** Runs `work` with `workers` checkout worker processes connected to the queue. */
async function withWorkers<T>(workers: number, stack: BenchStack, work: () => Promise<T>): Promise<T> {
  const stops = await Promise.all(Array.from({ length: workers }, (_, i) => startCheckoutWorker(stack, i)));
  const queueRedis = createRedis(stack.redisUrl);
  const queue = openQueue(QueueName.checkout, queueRedis, stack.redisPrefix);
  try {
    // Ready when every worker process has its blocking connection on the queue.
    const deadline = Date.now() + 60_000;
    while ((await queue.getWorkersCount()) < workers) {
      if (Date.now() > deadline) throw new Error(`${workers} checkout worker(s) did not connect within 60 s`);
      await sleep(200);
    }
    return await work();
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    await queue.close();
    await queueRedis.quit();
  }
}

/** Tally of error codes. */
const tally = (timings: CheckoutTiming[]) => {
  const counts = new Map<string, number>();
  for (const code of timings.flatMap((t) => t.errorCodes ?? [])) counts.set(code, (counts.get(code) ?? 0) + 1);
  return counts;
};

interface SustainedResult {
  workers: number;
  orders: number;
  failed: number;
  checkoutsPerSecond: number;
  p50: number;
  p95: number;
  /** Error codes the `checkout` mutations answered (those orders are not counted). */
  errors: Map<string, number>;
  cpu: Map<string, number>;
}

/** Part 1: ROUNDS bursts of every shopper checking out at once. */
async function sustained(workers: number, gatewayUrl: string, shoppers: Shopper[], carts: DummyCart[]): Promise<SustainedResult> {
  const latencies: number[] = [];
  let orders = 0;
  let failed = 0;
  let measuredMs = 0;
  const cpu = new Map<string, number>();
  const errors = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    await fillCarts(gatewayUrl, shoppers, carts, round * shoppers.length);
    const before = await cpuSnapshot();
    const burstStart = performance.now();
    const results = await part(`sustained-${workers}w`, () =>
      Promise.all(shoppers.map((s, i) => checkOut(gatewayUrl, s, `${id}-w${workers}-r${round}-u${i}`))),
    );
    const settled = results.filter((r) => r.settled);
    measuredMs += Math.max(...settled.map((r) => r.settled!.at).filter(Number.isFinite)) - burstStart;
    for (const [name, ms] of cpuPerCheckout(before, await cpuSnapshot(), 1)) cpu.set(name, (cpu.get(name) ?? 0) + ms);
    for (const [code, n] of tally(results)) errors.set(code, (errors.get(code) ?? 0) + n);
    for (const r of settled) {
      orders++;
      if (r.settled!.status === 'CONFIRMED') latencies.push(r.settled!.at - r.respondedAt);
      else failed++;
    }
  }
  const sorted = sortedOf(latencies);
  return {
    workers,
    orders,
    failed,
    checkoutsPerSecond: orders / (measuredMs / 1000),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    errors,
    // Per checkout sent: one that timed out at the gateway usually still became an order and ran its saga.
    cpu: new Map([...cpu].map(([name, ms]) => [name, ms / (ROUNDS * shoppers.length)])),
  };
}

interface OfferedResult {
  offered: number;
  achieved: number;
  orders: number;
  errors: Map<string, number>;
  responseToConfirmed: number[];
  requestToConfirmed: number[];
  mutation: number[];
  cpu: Map<string, number>;
}

/** Part 2: checkouts arriving every 1000/RATE ms, whatever the answers do (open loop). */
async function offeredLoad(gatewayUrl: string, shoppers: Shopper[], carts: DummyCart[]): Promise<OfferedResult> {
  const count = Math.min(shoppers.length, Math.round(RATE * RATE_SECONDS));
  const used = shoppers.slice(0, count);
  await fillCarts(gatewayUrl, used, carts, 7);
  const before = await cpuSnapshot();
  const start = performance.now();
  const results = await part('offered', () =>
    Promise.all(
      used.map(async (s, i) => {
        // Scheduled from the start, so a slow answer does not delay the arrivals after it.
        const due = start + (i * 1000) / RATE;
        await sleep(Math.max(0, due - performance.now()));
        return checkOut(gatewayUrl, s, `${id}-rate-u${i}`);
      }),
    ),
  );
  const cpu = cpuPerCheckout(before, await cpuSnapshot(), count);
  const lastSent = Math.max(...results.map((r) => r.sentAt));
  const confirmed = results.filter((r) => r.settled?.status === 'CONFIRMED');
  return {
    offered: RATE,
    achieved: (count - 1) / ((lastSent - start) / 1000),
    orders: results.filter((r) => r.settled).length,
    errors: tally(results),
    responseToConfirmed: sortedOf(confirmed.map((r) => r.settled!.at - r.respondedAt)),
    requestToConfirmed: sortedOf(confirmed.map((r) => r.settled!.at - r.sentAt)),
    mutation: sortedOf(results.map((r) => r.respondedAt - r.sentAt)),
    cpu,
  };
}

interface BurstResult {
  size: number;
  orders: number;
  errors: Map<string, number>;
  mutation: number[];
  allSettledMs: number;
  cpu: Map<string, number>;
}

/** Part 3: BURST shoppers send `checkout` at the same moment. */
async function burst(gatewayUrl: string, shoppers: Shopper[], carts: DummyCart[]): Promise<BurstResult> {
  const used = shoppers.slice(0, BURST);
  await fillCarts(gatewayUrl, used, carts, 13);
  const before = await cpuSnapshot();
  const start = performance.now();
  const results = await part('burst', () => Promise.all(used.map((s, i) => checkOut(gatewayUrl, s, `${id}-burst-u${i}`))));
  const settled = results.filter((r) => r.settled);
  return {
    size: used.length,
    orders: settled.length,
    errors: tally(results),
    mutation: sortedOf(results.map((r) => r.respondedAt - r.sentAt)),
    allSettledMs: Math.max(...settled.map((r) => r.settled!.at).filter(Number.isFinite)) - start,
    cpu: cpuPerCheckout(before, await cpuSnapshot(), used.length),
  };
}

// Shoppers -------------------------------------------------------------------------------------

const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }';
const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }';

/** A signed-in shopper subscribed to its orders' status over graphql-ws. */
async function shopperOf(gatewayUrl: string, accessToken: string): Promise<Shopper> {
  const shopper: Shopper = {
    token: accessToken,
    ws: createClient({
      url: gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${accessToken}` },
    }),
    settled: new Map(),
    waiters: new Map(),
  };
  await new Promise<void>((resolve, reject) => {
    shopper.ws.on('connected', () => resolve());
    shopper.ws.subscribe<{ orderStatusChanged: { id: string; status: string } }>(
      { query: 'subscription { orderStatusChanged { id status } }' },
      {
        next: ({ data }) => {
          const event = data?.orderStatusChanged;
          if (!event || event.status === 'PENDING' || shopper.settled.has(event.id)) return;
          shopper.settled.set(event.id, { at: performance.now(), status: event.status });
          shopper.waiters.get(event.id)?.();
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
  return shopper;
}

/** `count` shoppers: the catalog's customers signed in, then registered ones. */
async function signInShoppers(gatewayUrl: string, catalog: Catalog, count: number): Promise<Shopper[]> {
  const customers = catalog.users.filter((u) => u.role === 'user').slice(0, count);
  const tokens: string[] = [];
  for (const u of customers) {
    tokens.push((await gql<{ login: { accessToken: string } }>(gatewayUrl, LOGIN, { u: u.username, p: u.password })).login.accessToken);
  }
  for (let n = customers.length; n < count; n++) {
    const input = {
      username: `bench${n}`,
      email: `bench${n}@example.com`,
      password: `bench-${id}-${n}`,
      firstName: 'Bench',
      lastName: `Shopper${n}`,
    };
    tokens.push((await gql<{ register: { accessToken: string } }>(gatewayUrl, REGISTER, { input })).register.accessToken);
  }
  return Promise.all(tokens.map((t) => shopperOf(gatewayUrl, t)));
}

// Output ---------------------------------------------------------------------------------------

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '–');
const codes = (errors: Map<string, number>) => (errors.size ? [...errors].map(([c, n]) => `${c} ×${n}`).join(', ') : 'none');
const row = (label: string, ...cells: string[]) => say(`${label.padEnd(34)}${cells.map((c) => c.padStart(12)).join('')}`);

function printCpu(parts: { label: string; cpu: Map<string, number> }[]): void {
  const names = [...new Set(parts.flatMap((p) => [...p.cpu.keys()]))].filter((name) => name !== LOAD_GENERATOR);
  const cell = (cpu: Map<string, number>, name: string) => (cpu.has(name) ? cpu.get(name)!.toFixed(1) : '');
  row('CPU ms per checkout', ...parts.map((p) => p.label));
  for (const name of names) row(`  ${name}`, ...parts.map((p) => cell(p.cpu, name)));
  row(
    '  total',
    ...parts.map((p) =>
      names
        .map((name) => p.cpu.get(name) ?? NaN)
        .filter(Number.isFinite)
        .reduce((a, b) => a + b, 0)
        .toFixed(1),
    ),
  );
  row(`  ${LOAD_GENERATOR}`, ...parts.map((p) => cell(p.cpu, LOAD_GENERATOR)));
}

// The run --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const shoppers: Shopper[] = [];
  const stack = await startBenchStack({ catalog: { kind: 'dummyjson' }, portOffset: 1400, say, nodeFlags: profiled });
  try {
    const pg = new PgClient({ connectionString: stack.databaseUrls.product });
    await pg.connect();
    await pg.query('UPDATE "Product" SET stock = $1', [TOP_UP_STOCK]);
    await pg.end();
    serverAdmin = new PgClient({ connectionString: withDatabase(stack.databaseUrls.product, 'postgres') });
    await serverAdmin.connect();
    for (const child of stack.processes) measured.set(child.name, child.pid);
    const { gatewayUrl } = stack;

    const catalog = await loadCatalog();
    const { carts, source } = loadCarts(catalog);
    const needed = Math.max(USERS, BURST, Math.min(BURST, Math.round(RATE * RATE_SECONDS)));
    say(`▸ Signing in ${needed} shoppers, subscribing to their orders; carts: ${source}…`);
    shoppers.push(...(await signInShoppers(gatewayUrl, catalog, needed)));

    const loadAverage = () =>
      os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
    say(
      `  ${os.cpus().length} CPUs, CHECKOUT_CONCURRENCY ${process.env.CHECKOUT_CONCURRENCY ?? 5} per worker, load average ${loadAverage()}`,
    );
    const pct = (sorted: number[]) => [50, 95, 99].map((p) => ms(percentile(sorted, p)));
    const results: SustainedResult[] = [];
    for (const workers of WORKER_COUNTS) {
      say(`▸ ${workers} checkout worker process(es), ${ROUNDS} bursts of ${USERS} concurrent checkouts…`);
      const r = await withWorkers(workers, stack, () => sustained(workers, gatewayUrl, shoppers.slice(0, USERS), carts));
      results.push(r);
      row(`  sustained, ${workers} worker(s)`, 'orders', 'failed', 'checkouts/s', 'p50 ms', 'p95 ms');
      row('  response → CONFIRMED', String(r.orders), String(r.failed), r.checkoutsPerSecond.toFixed(1), ms(r.p50), ms(r.p95));
      say(`  errors answered: ${codes(r.errors)}; load average ${loadAverage()}`);
    }
    const [one, two] = results as [SustainedResult, SustainedResult];
    say(`  2 workers / 1 worker: ${(two.checkoutsPerSecond / one.checkoutsPerSecond).toFixed(2)}× checkouts/s`);
    say(`▸ 1 checkout worker: offered load of ${RATE} checkouts/s for ${RATE_SECONDS} s, then a burst of ${BURST}…`);
    const [offered, spike] = await withWorkers(1, stack, async () => {
      const o = await offeredLoad(gatewayUrl, shoppers, carts);
      row(`  offered load, 1 worker`, 'p50', 'p95', 'p99');
      say(`  ${o.offered} checkouts/s offered (${o.achieved.toFixed(1)} sent), ${o.orders} orders, errors: ${codes(o.errors)}`);
      row('  checkout mutation (ms)', ...pct(o.mutation));
      row('  response → CONFIRMED (ms)', ...pct(o.responseToConfirmed));
      row('  request → CONFIRMED (ms)', ...pct(o.requestToConfirmed));
      say(`  load average ${loadAverage()}`);
      const b = await burst(gatewayUrl, shoppers, carts);
      row(`  burst of ${b.size}, 1 worker`, 'p50', 'p95', 'p99');
      say(`  ${b.orders} orders, errors: ${codes(b.errors)}, all settled after ${(b.allSettledMs / 1000).toFixed(1)} s`);
      row('  checkout mutation (ms)', ...pct(b.mutation));
      say(`  load average ${loadAverage()}`);
      return [o, b] as const;
    });
    say('');
    printCpu([
      { label: 'sustained 1w', cpu: one.cpu },
      { label: 'sustained 2w', cpu: two.cpu },
      { label: 'offered', cpu: offered.cpu },
      { label: 'burst', cpu: spike.cpu },
    ]);
  } finally {
    await Promise.all(shoppers.map((s) => s.ws.dispose()));
    await serverAdmin?.end();
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:checkout failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
