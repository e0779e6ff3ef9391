/**
 * npm run bench:checkout — checkout throughput and latency with 1 and with 2 checkout worker processes.
 *
 * BENCH_USERS (default 50) signed-in customers each fill their cart from a DummyJSON cart
 * (`carts.json` in SEED_DATA_DIR; where that file is absent, carts in the same format are generated
 * from the catalog with a fixed seed) and all check out at once; BENCH_ROUNDS (default 4) such
 * bursts per configuration. Measured: sustained checkouts/s (orders settled ÷ time from the first
 * checkout request of a burst to its last CONFIRMED event, summed over the bursts) and p50/p95 of
 * the time from a checkout's response to its CONFIRMED event on the graphql-ws subscription
 * through the gateway. Filling carts is not measured.
 *
 * Everything runs apart from other stacks: databases `bench_<pid>_<subgraph>` (migrated, seeded and
 * with stock topped up), free ports, REDIS_PREFIX `bench-<pid>`. The subgraphs and the gateway run
 * as processes; the checkout workers are real `npm run worker:checkout` processes. Everything is
 * stopped and dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { QueueName, bearer, openQueue, createRedis, graphqlData, type SubgraphName } from '@commerce/common';
import { REPO_ROOT, SUBGRAPHS, applyMigrations, databaseUrls, dropDatabase, ensureDatabase, withDatabase } from '@commerce/db-tools';
import { composeSupergraph } from '@commerce/gateway';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { seedAll } from './seed';
import { spawnPrefixed, stopAll, waitForHealthy } from './lib/processes';
import { currentEntries } from './lib/build';
import { localCommand, processManifest, processNamed, PROCESSES } from '../deploy/processes';

const USERS = Number(process.env.BENCH_USERS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WORKER_COUNTS = [1, 2];
const TOP_UP_STOCK = 1_000_000;
const SETTLE_TIMEOUT_MS = 180_000;

const id = `bench_${process.pid}`;
const redisPrefix = `bench-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const say = (line: string) => process.stdout.write(`${line}\n`);

// DummyJSON carts ------------------------------------------------------------------------------

/** A DummyJSON cart (https://dummyjson.com/carts), the fields the benchmark uses. */
interface DummyCart {
  id: number;
  userId: number;
  products: { id: number; quantity: number }[];
}

/** mulberry32: a tiny seeded PRNG, so generated carts are the same on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  const random = prng(20261121);
  const carts = Array.from({ length: 50 }, (_, i) => {
    const picked = new Set<number>();
    const size = 1 + Math.floor(random() * 5);
    while (picked.size < size) picked.add(ids[Math.floor(random() * ids.length)]!);
    return { id: i + 1, userId: i + 1, products: [...picked].map((pid) => ({ id: pid, quantity: 1 + Math.floor(random() * 3) })) };
  });
  return { carts, source: `generated (no ${file})` };
}

// Processes ------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The manifest's checkout worker in a process group of its own, so SIGTERM reaches it and anything it started. */
function startCheckoutWorker(env: NodeJS.ProcessEnv): { child: ChildProcess; stop: () => Promise<void> } {
  const [command, args] = localCommand(processNamed(PROCESSES, 'checkout-worker'), currentEntries());
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    },
  };
}

// GraphQL client -------------------------------------------------------------------------------

const gql = <T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> =>
  graphqlData<T>(url, query, variables, bearer(token));

interface Shopper {
  token: string;
  ws: WsClient;
  /** Order id → when its CONFIRMED/FAILED event arrived (performance.now()). */
  settled: Map<string, { at: number; status: string }>;
  waiters: Map<string, () => void>;
}

/** Resolves when the subscription has delivered the order's CONFIRMED/FAILED event. */
function settledEvent(shopper: Shopper, orderId: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`order ${orderId} not settled within ${SETTLE_TIMEOUT_MS / 1000} s`)),
      SETTLE_TIMEOUT_MS,
    );
    shopper.waiters.set(orderId, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

interface RunResult {
  workers: number;
  orders: number;
  failed: number;
  checkoutsPerSecond: number;
  p50: number;
  p95: number;
}

async function runConfiguration(
  workers: number,
  gatewayUrl: string,
  shoppers: Shopper[],
  carts: DummyCart[],
  env: NodeJS.ProcessEnv,
): Promise<RunResult> {
  const started = Array.from({ length: workers }, () => startCheckoutWorker(env));
  const queueRedis = createRedis(redisUrl);
  const queue = openQueue(QueueName.checkout, queueRedis, redisPrefix);
  try {
    // Ready when every worker process has its blocking connection on the queue.
    const deadline = Date.now() + 60_000;
    while ((await queue.getWorkersCount()) < workers) {
      if (Date.now() > deadline) throw new Error(`${workers} checkout worker(s) did not connect within 60 s`);
      await sleep(200);
    }
    const latencies: number[] = [];
    let orders = 0;
    let failed = 0;
    let measuredMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        shoppers.map(async (s, i) => {
          const cart = carts[(i + round * shoppers.length) % carts.length]!;
          for (const line of cart.products) {
            await gql(
              gatewayUrl,
              'mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalQuantity } }',
              { p: String(line.id), q: line.quantity },
              s.token,
            );
          }
        }),
      );
      const burstStart = performance.now();
      const results = await Promise.all(
        shoppers.map(async (s, i) => {
          const { checkout } = await gql<{ checkout: { order: { id: string } } }>(
            gatewayUrl,
            'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id } } }',
            { key: `${id}-w${workers}-r${round}-u${i}` },
            s.token,
          );
          const respondedAt = performance.now();
          const orderId = checkout.order.id;
          if (!s.settled.has(orderId)) await settledEvent(s, orderId);
          const settled = s.settled.get(orderId)!;
          return { latency: Math.max(0, settled.at - respondedAt), status: settled.status, at: settled.at };
        }),
      );
      measuredMs += Math.max(...results.map((r) => r.at)) - burstStart;
      for (const r of results) {
        orders++;
        if (r.status === 'CONFIRMED') latencies.push(r.latency);
        else failed++;
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      workers,
      orders,
      failed,
      checkoutsPerSecond: orders / (measuredMs / 1000),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
    };
  } finally {
    await Promise.all(started.map((w) => w.stop()));
    await queue.close();
    await queueRedis.quit();
  }
}

// The run --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const base = databaseUrls();
  const urls = Object.fromEntries(SUBGRAPHS.map((s) => [s, withDatabase(base[s], `${id}_${s}`)])) as Record<SubgraphName, string>;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-checkout-'));
  const redis = createRedis(redisUrl);
  const shoppers: Shopper[] = [];
  try {
    say(`▸ Databases ${id}_* (migrate, seed, top up stock)…`);
    for (const s of SUBGRAPHS) {
      await ensureDatabase(urls[s]);
      await applyMigrations(s, urls[s]);
    }
    await seedAll(urls);
    const pg = new PgClient({ connectionString: urls.product });
    await pg.connect();
    await pg.query('UPDATE "Product" SET stock = $1', [TOP_UP_STOCK]);
    await pg.end();

    const ports = Object.fromEntries(await Promise.all([...SUBGRAPHS, 'gateway'].map(async (n) => [n, await freePort()]))) as Record<
      SubgraphName | 'gateway',
      number
    >;
    const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s, `http://127.0.0.1:${ports[s]}/graphql`])) as Record<
      SubgraphName,
      string
    >;
    const supergraphPath = path.join(tmp, 'supergraph.graphql');
    writeFileSync(supergraphPath, composeSupergraph(subgraphUrls));
    const env: NodeJS.ProcessEnv = {
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      SUPERGRAPH_PATH: supergraphPath,
      MAIL_OUTBOX_DIR: path.join(tmp, 'mail'),
      // One machine plays every client from one address: the per-IP and per-user budgets would
      // throttle the benchmark itself (the limiter still runs on every request).
      RATE_LIMIT_USER_PER_MINUTE: '1000000',
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      ...Object.fromEntries(
        SUBGRAPHS.flatMap((s) => {
          const upper = s.toUpperCase();
          return [
            [`${upper}_DATABASE_URL`, urls[s]],
            [`${upper}_SUBGRAPH_URL`, subgraphUrls[s]],
          ];
        }),
      ),
    };
    say(`▸ Subgraphs and gateway on ports ${Object.values(ports).join(', ')}, REDIS_PREFIX ${redisPrefix}…`);
    // Metrics ports shifted clear of a running `npm start`'s.
    const manifest = processManifest({ subgraphUrls, gatewayPort: ports.gateway, portOffset: 1000 });
    const entries = currentEntries();
    const serve = (name: string) => {
      const spec = processNamed(manifest, name);
      spawnPrefixed(name, localCommand(spec, entries), { cwd: REPO_ROOT, env: { ...env, ...spec.env } });
    };
    for (const s of SUBGRAPHS) serve(s);
    await waitForHealthy(SUBGRAPHS.map((s) => ({ name: s, url: new URL('/health', subgraphUrls[s]).toString() })));
    serve('gateway');
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
    await waitForHealthy([{ name: 'gateway', url: `http://127.0.0.1:${ports.gateway}/health` }]);

    const catalog = await loadCatalog();
    const { carts, source } = loadCarts(catalog);
    const customers = catalog.users.filter((u) => u.role === 'user').slice(0, USERS);
    if (customers.length < USERS) throw new Error(`the catalog has only ${customers.length} customers`);
    say(`▸ Signing in ${USERS} customers, subscribing to their orders; carts: ${source}…`);
    for (const u of customers) {
      const { login } = await gql<{ login: { accessToken: string } }>(
        gatewayUrl,
        'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
        { u: u.username, p: u.password },
      );
      const shopper: Shopper = {
        token: login.accessToken,
        ws: createClient({
          url: gatewayUrl.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${login.accessToken}` },
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
      shoppers.push(shopper);
    }

    const results: RunResult[] = [];
    for (const workers of WORKER_COUNTS) {
      say(`▸ ${workers} checkout worker process(es), ${ROUNDS} bursts of ${USERS} concurrent checkouts…`);
      results.push(await runConfiguration(workers, gatewayUrl, shoppers, carts, env));
    }
    const [one, two] = results as [RunResult, RunResult];
    const row = (label: string, a: string, b: string, ratio: string) =>
      say(`${label.padEnd(32)}${a.padStart(12)}${b.padStart(12)}${ratio.padStart(10)}`);
    say('');
    say(
      `checkout benchmark: ${USERS} users × ${ROUNDS} bursts, CHECKOUT_CONCURRENCY ${process.env.CHECKOUT_CONCURRENCY ?? 5} per worker, ${os.cpus().length} CPUs`,
    );
    row('', '1 worker', '2 workers', '2 / 1');
    row('orders (failed)', `${one.orders} (${one.failed})`, `${two.orders} (${two.failed})`, '');
    row(
      'checkouts/s sustained',
      one.checkoutsPerSecond.toFixed(1),
      two.checkoutsPerSecond.toFixed(1),
      (two.checkoutsPerSecond / one.checkoutsPerSecond).toFixed(2),
    );
    row('p50 response → CONFIRMED (ms)', one.p50.toFixed(0), two.p50.toFixed(0), (two.p50 / one.p50).toFixed(2));
    row('p95 response → CONFIRMED (ms)', one.p95.toFixed(0), two.p95.toFixed(0), (two.p95 / one.p95).toFixed(2));
  } finally {
    await Promise.all(shoppers.map((s) => s.ws.dispose()));
    await stopAll(15_000);
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    for (const s of SUBGRAPHS) await dropDatabase(urls[s]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:checkout failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
