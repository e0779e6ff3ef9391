/**
 * npm run bench:subscriptions — subscriptions at scale, measured (figures, not a timed test).
 *
 * Starts a whole supergraph of its own — five databases `bench_subs_<pid>_<subgraph>` (migrated and
 * seeded), Redis prefix `bench-subs-<pid>`, the five subgraphs and the checkout worker on ports
 * 4711–4715, and two real gateway processes on 4720 and 4721 (plus BENCH_PORT_OFFSET) — then opens BENCH_SUBSCRIBERS
 * (default 1000) graphql-ws connections, each with one `orderStatusChanged` subscription with a
 * cross-subgraph selection, spread evenly over BENCH_USERS (default 100) customers and both
 * gateways. BENCH_ROUNDS (default 3) rounds of checkouts by every user, BENCH_ORDERS_PER_SECOND
 * (default 10, i.e. about 20 status events/s) at a steady pace, produce the stream of order status
 * changes (PENDING, then CONFIRMED or FAILED). BENCH_PORT_OFFSET shifts every port (to run the code
 * before and after a change side by side); BENCH_CPU_PROF_DIR writes both gateways' `--cpu-prof`
 * profiles there when they stop. It prints:
 *
 * - delivery ratio: results received / (events published × subscribers of the event's user);
 * - latency from commit (the status event's `createdAt`, PostgreSQL's transaction time, shown as
 *   `updatedAt` in the event) to receipt by the client: p50/p95/p99/max;
 * - latency from the Redis PUBLISH (as a listener in the bench sees it) to receipt, which leaves
 *   out the order subgraph's commit-to-publish step;
 * - events/s published, and deliveries/s;
 * - gateway memory per connection: growth of both gateways' RSS once every subscriber is connected.
 *
 * Everything it creates is dropped at the end. Everything shares this machine's cores: the figures
 * are for this machine under whatever else runs on it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { bearer, createRedis, graphqlData, orderEventsChannel, type OrderStatusEvent } from '@commerce/common';
import { REPO_ROOT, SUBGRAPHS, applyMigrations, dropDatabase, ensureDatabase, type SubgraphName } from '@commerce/db-tools';
import { composeSupergraph } from '@commerce/gateway/src/compose';
import { loadCatalog } from '@commerce/seed-data';
import { checkPortsFree } from './lib/preflight';
import { stopAll, killAllNow, spawnPrefixed, waitForHealthy, type Child } from './lib/processes';
import { currentEntries } from './lib/build';
import { localCommand, processManifest, processNamed } from '../deploy/processes';
import { seedAll } from './seed';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const USERS = Number(process.env.BENCH_USERS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Checkouts started per second (each makes two status events). */
const RATE = Number(process.env.BENCH_ORDERS_PER_SECOND ?? 10);
/** Shifts every port this bench opens, so two runs (e.g. the code before and after a change) can go side by side. */
const PORT_OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 0);
const SUBGRAPH_PORTS: Record<SubgraphName, number> = {
  user: 4711 + PORT_OFFSET,
  product: 4712 + PORT_OFFSET,
  review: 4713 + PORT_OFFSET,
  cart: 4714 + PORT_OFFSET,
  order: 4715 + PORT_OFFSET,
};
const GATEWAY_PORTS = [4720 + PORT_OFFSET, 4721 + PORT_OFFSET] as const;
const HOST = '127.0.0.1';
/** A folder for `--cpu-prof` profiles of both gateways (written when they stop); none by default. */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
const SELECTION = 'id status updatedAt items { quantity product { title } } user { email }';

const id = `bench_subs_${process.pid}`;
const redisPrefix = `bench-subs-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const server = new URL(process.env.USER_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
const dbUrl = (subgraph: SubgraphName) => Object.assign(new URL(server), { pathname: `/${id}_${subgraph}` }).toString();
const dbUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s, dbUrl(s)])) as Record<SubgraphName, string>;
const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s, `http://${HOST}:${SUBGRAPH_PORTS[s]}/graphql`])) as Record<
  SubgraphName,
  string
>;
const gatewayUrls = GATEWAY_PORTS.map((p) => `http://${HOST}:${p}/graphql`);

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Resident set size of a process in bytes, from /proc (Linux). */
function rssOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (Linux, 100 ticks/s). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

const gql = <T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> =>
  graphqlData<T>(url, query, variables, bearer(token));

async function main(): Promise<void> {
  const env = {
    ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_DATABASE_URL`, dbUrls[s]])),
    ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_SUBGRAPH_URL`, subgraphUrls[s]])),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    HOST,
    LOG_LEVEL: 'warn',
    CHECKOUT_CONCURRENCY: '10',
    // One machine plays every client from one address: the per-IP and per-user budgets would
    // throttle the benchmark itself (the limiter still runs on every request).
    RATE_LIMIT_USER_PER_MINUTE: '1000000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
  };
  await checkPortsFree([
    ...SUBGRAPHS.map((name) => ({ name, host: HOST, port: SUBGRAPH_PORTS[name] })),
    ...GATEWAY_PORTS.map((port, i) => ({ name: `gateway ${i}`, host: HOST, port })),
  ]);

  say(`▸ Databases ${id}_*: migrating and seeding…`);
  for (const s of SUBGRAPHS) {
    await dropDatabase(dbUrls[s]);
    await ensureDatabase(dbUrls[s]);
    await applyMigrations(s, dbUrls[s]);
  }
  await seedAll(dbUrls);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-subs-'));
  const supergraphPath = path.join(tmp, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(subgraphUrls));

  say('▸ Starting five subgraphs, the checkout worker and two gateway processes…');
  const children: Child[] = [];
  // Worker and metrics ports shifted clear of a running `npm start`'s.
  const manifest = processManifest({ subgraphUrls, gatewayPort: GATEWAY_PORTS[0], portOffset: 700 + PORT_OFFSET });
  const entries = currentEntries();
  const serve = (name: string, label = name, extra: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []) => {
    const spec = processNamed(manifest, name);
    const [command, args] = localCommand(spec, entries);
    return spawnPrefixed(label, [command, [...nodeFlags, ...args]], { cwd: REPO_ROOT, env: { ...env, ...spec.env, ...extra } });
  };
  for (const s of SUBGRAPHS) children.push(serve(s));
  children.push(serve('checkout-worker'));
  // A loaded machine takes longer than the default minute to start a dozen processes.
  await waitForHealthy(
    SUBGRAPHS.map((name) => ({ name, url: new URL('/health', subgraphUrls[name]).toString() })),
    { timeoutMs: 300_000 },
  );
  // Two instances of one process: the second gets its own ports.
  // --cpu-prof is refused in NODE_OPTIONS: it goes on the command line, before the entry point.
  const profiling = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROFILE_DIR)}`] : [];
  const gateways: Child[] = GATEWAY_PORTS.map((port, i) =>
    serve(
      'gateway',
      `gateway-${'AB'[i]}`,
      { GATEWAY_PORT: String(port), METRICS_PORT: String(10_500 + PORT_OFFSET + i), SUPERGRAPH_PATH: supergraphPath },
      profiling,
    ),
  );
  await waitForHealthy(
    GATEWAY_PORTS.map((port, i) => ({ name: `gateway ${i}`, url: `http://${HOST}:${port}/health` })),
    { timeoutMs: 300_000 },
  );

  const catalog = await loadCatalog();
  const users = catalog.users.filter((u) => u.role === 'user').slice(0, USERS);
  // Orders spread evenly over well-stocked products, so (nearly) all confirm rather than fail.
  const products = catalog.products.filter((p) => p.stock >= 50);
  if (users.length < USERS || products.length * 50 < ROUNDS * USERS)
    throw new Error('the catalog has too few customers or stocked products for these settings');
  say(`▸ Signing in ${users.length} customers…`);
  const tokens: string[] = [];
  for (const u of users) {
    const { login } = await gql<{ login: { accessToken: string } }>(
      gatewayUrls[0]!,
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
      {
        u: u.username,
        p: u.password,
      },
    );
    tokens.push(login.accessToken);
  }
  const userIds = await Promise.all(
    tokens.map(async (t) => Number((await gql<{ me: { id: string } }>(gatewayUrls[0]!, '{ me { id } }', {}, t)).me.id)),
  );
  // Warm both gateways' query plans before measuring memory.
  await Promise.all(gatewayUrls.map((url) => gql(url, '{ categories { id } }')));
  const rssBefore = gateways.map((g) => rssOf(g.pid));

  say(`▸ Opening ${SUBSCRIBERS} graphql-ws subscribers (${SUBSCRIBERS / users.length} per customer, half on each gateway)…`);
  const subscribersOf = new Map<number, number>();
  const received = new Set<string>();
  let deliveries = 0;
  let duplicates = 0;
  let errors = 0;
  let partial = 0;
  const latencies: number[] = [];
  const fromPublish: number[] = [];
  /** When the bench's own Redis listener saw each event (orderId/status): the moment it was published. */
  const publishedAt = new Map<string, number>();
  let lastReceipt = 0;
  const clients: Client[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const u = i % users.length;
    const gateway = Math.floor(i / users.length) % 2;
    subscribersOf.set(userIds[u]!, (subscribersOf.get(userIds[u]!) ?? 0) + 1);
    const client = createClient({
      url: gatewayUrls[gateway]!.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tokens[u]}` },
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
  const rssAfter = gateways.map((g) => rssOf(g.pid));

  // Every published event, as the gateways see it.
  const published: OrderStatusEvent[] = [];
  const listener = createRedis(redisUrl, 'bench-listener');
  listener.on('message', (_channel: string, message: string) => {
    const event = JSON.parse(message) as OrderStatusEvent;
    publishedAt.set(`${event.orderId}/${event.status}`, Date.now());
    published.push(event);
  });
  await listener.subscribe(orderEventsChannel(redisPrefix));

  say(
    `▸ ${ROUNDS} rounds of checkouts by ${users.length} customers through both gateways, ${RATE} orders/s (≈ ${2 * RATE} status events/s)…`,
  );
  const started = Date.now();
  const processes = [...gateways, ...children];
  const cpuBefore = processes.map((c) => cpuSecondsOf(c.pid));
  const orders: string[] = [];
  const placing: Promise<void>[] = [];
  let failedCheckouts = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [u, token] of tokens.entries()) {
      const url = gatewayUrls[(u + round) % 2]!;
      const product = products[(u * ROUNDS + round) % products.length]!;
      placing.push(
        (async () => {
          await gql(url, `mutation { addToCart(productId: "${product.id}", quantity: 1) { totalQuantity } }`, {}, token);
          const { checkout } = await gql<{ checkout: { order: { id: string } } }>(
            url,
            'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id } } }',
            { key: `bench-${round}` },
            token,
          );
          orders.push(checkout.order.id);
        })().catch((err: unknown) => {
          // A checkout the loaded machine could not answer is counted, not fatal: its events never come.
          failedCheckouts += 1;
          if (failedCheckouts <= 3) say(`  checkout failed: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
        }),
      );
      // A steady stream rather than bursts: latency then measures the subscription path, not a queue.
      await sleep(1000 / RATE);
    }
    // A user's next round waits for their previous cart to be checked out.
    await Promise.all(placing);
  }
  // Wait until every order has settled and its events had a fair chance to arrive.
  const settled = () => new Set(published.filter((e) => e.status !== 'PENDING').map((e) => e.orderId)).size;
  const expected = () => published.reduce((sum, e) => sum + (subscribersOf.get(e.userId) ?? 0), 0);
  for (let waited = 0; settled() < orders.length && waited < 120_000; waited += 100) await sleep(100);
  const lastPublish = Math.max(...published.map((e) => Date.parse(e.occurredAt)));
  for (let quiet = 0; deliveries < expected() && quiet < 30_000; quiet += 100) await sleep(100);
  const wall = (Date.now() - started) / 1000;
  const cpu = processes.map(
    (c, i) => `${c.name.replace('gateway-', 'gw ')} ${((100 * (cpuSecondsOf(c.pid) - cpuBefore[i]!)) / wall).toFixed(0)}%`,
  );

  const sorted = [...latencies].sort((a, b) => a - b);
  const sortedFromPublish = [...fromPublish].sort((a, b) => a - b);
  const perConnection = (rssAfter.reduce((a, b) => a + b, 0) - rssBefore.reduce((a, b) => a + b, 0)) / SUBSCRIBERS;
  const seconds = (lastPublish - started) / 1000;
  say('');
  say(
    `subscribers:          ${SUBSCRIBERS} graphql-ws connections (${users.length} customers × ${SUBSCRIBERS / users.length}), 2 gateway processes`,
  );
  say(
    `orders:               ${orders.length} (${settled()} settled, ${failedCheckouts} checkouts failed), ${published.length} status events published`,
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
  say(`cpu while streaming:  ${cpu.join(', ')} (of one core; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
  say('');

  await Promise.all(clients.map((c) => c.dispose()));
  await listener.quit();
  rmSync(tmp, { recursive: true, force: true });
}

async function cleanUp(): Promise<void> {
  await stopAll(15_000);
  for (const s of SUBGRAPHS) await dropDatabase(dbUrls[s]).catch(() => undefined);
  const redis = createRedis(redisUrl, 'bench-cleanup');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

process.on('exit', killAllNow);
main()
  .then(cleanUp, async (err: unknown) => {
    process.stderr.write(`bench:subscriptions failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanUp();
    process.exitCode = 1;
  })
  .then(() => process.exit());
