/**
 * The stack a benchmark measures: the five subgraphs, one gateway or more, and the workers a
 * benchmark asks for, as real processes from the process manifest (`deploy/processes.ts`; compiled `dist/` when the build is current, else tsx),
 * over databases of their own (`bench_<pid>_<subgraph>`, migrated and seeded with the catalog the
 * run asks for), their own Redis prefix (`bench-<pid>`), free ports and a fresh internal secret.
 * {@link BenchStack.close} stops the processes and drops everything it created, also on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRedis, type SubgraphName } from '@commerce/common';
import { REPO_ROOT, SUBGRAPHS, applyMigrations, databaseUrls, dropDatabase, ensureDatabase, withDatabase } from '@commerce/db-tools';
import { composeSupergraph } from '@commerce/gateway';
import { seedAll, seedSynthetic } from '../seed';
import { describeExit, spawnPrefixed, stopAll, waitForHealthy, type Child, type HealthTarget } from './processes';
import { currentEntries } from './build';
import { checkPortsFree } from './preflight';
import { localCommand, processManifest, processNamed, type ManifestConfig, type ProcessSpec } from '../../deploy/processes';
import { freePort } from './ports';

export { freePort };

/** The catalog a benchmark runs on: the vendored DummyJSON one (194 products), or a synthetic one of a given size. */
export type CatalogSize = { kind: 'dummyjson' } | { kind: 'synthetic'; products: number; reviews: number };

/** Reviews per product of a synthetic catalog when BENCH_CATALOG names only the products (issue 15's 100k / 1M). */
const REVIEWS_PER_PRODUCT = 10;

/**
 * BENCH_CATALOG: `dummyjson` (default), `synthetic:<products>` (10 reviews per product) or
 * `synthetic:<products>:<reviews>`.
 * @throws Error naming the accepted forms for anything else
 */
export function parseCatalogSize(raw: string | undefined): CatalogSize {
  if (raw === undefined || raw === '' || raw === 'dummyjson') return { kind: 'dummyjson' };
  const match = /^synthetic:(\d+)(?::(\d+))?$/.exec(raw);
  if (!match || Number(match[1]) < 1) {
    throw new Error(`BENCH_CATALOG must be dummyjson, synthetic:<products> or synthetic:<products>:<reviews>, got ${JSON.stringify(raw)}`);
  }
  const products = Number(match[1]);
  return { kind: 'synthetic', products, reviews: match[2] === undefined ? products * REVIEWS_PER_PRODUCT : Number(match[2]) };
}

/** `DummyJSON (194 products)`, `synthetic: 100000 products, 1000000 reviews`, for the report. */
export const describeCatalog = (catalog: CatalogSize, products?: number): string =>
  catalog.kind === 'dummyjson'
    ? `DummyJSON${products === undefined ? '' : ` (${products} products)`}`
    : `synthetic: ${catalog.products} products, ${catalog.reviews} reviews`;

export interface BenchStackOptions {
  catalog: CatalogSize;
  /** Preferred offset of the manifest's worker and metrics ports, clear of `npm start` (e.g. 1200); another is picked when those are taken. */
  portOffset: number;
  /** Extra environment for every process (e.g. a gateway switch under test). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (default: stdout). */
  say?: (line: string) => void;
  /** Gateway processes over the same subgraphs (default 1), each with ports of its own, e.g. to spread subscribers. */
  gateways?: number;
  /** Workers of the manifest to run as well (e.g. `checkout-worker`, which moves checkouts to CONFIRMED); none by default. */
  workers?: readonly string[];
  /** Node flags for every gateway, before its entry point (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  gatewayNodeFlags?: readonly string[];
  /** Node flags for every subgraph, as {@link gatewayNodeFlags}. */
  subgraphNodeFlags?: readonly string[];
}

export interface BenchStack {
  /** Our gateway's GraphQL endpoint (the first gateway's). */
  gatewayUrl: string;
  /** Every gateway's GraphQL endpoint, {@link BenchStackOptions.gateways} of them. */
  gatewayUrls: string[];
  /** Every gateway's Prometheus endpoint (its METRICS_PORT), in the order of {@link gatewayUrls}. */
  gatewayMetricsUrls: string[];
  /** The gateway processes, in the order of {@link gatewayUrls} (e.g. to read their CPU time and memory). */
  gatewayProcesses: Child[];
  /** Every process started: subgraphs, workers, gateways. */
  processes: Child[];
  redisUrl: string;
  /** REDIS_PREFIX of every process, e.g. for `orderEventsChannel(redisPrefix)`. */
  redisPrefix: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** Each subgraph's Prometheus endpoint (its METRICS_PORT), e.g. to count the requests it served. */
  subgraphMetricsUrls: Record<SubgraphName, string>;
  databaseUrls: Record<SubgraphName, string>;
  /** INTERNAL_JWT_SECRET of every process, so a benchmark can sign caller tokens the subgraphs accept. */
  internalSecret: string;
  /** The composed supergraph SDL on disk (what our gateway serves; peers can load the same file). */
  supergraphPath: string;
  /** A scratch directory removed by {@link BenchStack.close}. */
  tmpDir: string;
  /** Stops every process started through `scripts/lib/processes` and drops the databases and Redis keys. Idempotent. */
  close(): Promise<void>;
}

/**
 * The manifest with a port offset under which every METRICS_PORT of `started`, and every worker's
 * health port among them, is free:
 * `preferred` first, then a few random ones, since other stacks (benchmarks of other checkouts,
 * `npm start`) may hold the fixed ones.
 * @throws Error when no candidate offset has all of them free
 */
async function freeManifest(
  config: Omit<ManifestConfig, 'portOffset'>,
  preferred: number,
  started: readonly string[],
): Promise<ProcessSpec[]> {
  const candidates = [preferred, ...Array.from({ length: 20 }, () => 1000 + Math.floor(Math.random() * 400) * 100)];
  for (const portOffset of candidates) {
    const manifest = processManifest({ ...config, portOffset });
    const wanted = manifest.filter((spec) => started.includes(spec.name));
    try {
      await checkPortsFree([
        ...wanted.map((spec) => ({ name: `${spec.name} metrics`, host: '127.0.0.1', port: spec.metricsPort })),
        ...wanted.filter((spec) => spec.role === 'worker').map((spec) => ({ name: spec.name, host: '127.0.0.1', port: spec.port })),
      ]);
      return manifest;
    } catch {
      // Taken by another stack: try the next offset.
    }
  }
  throw new Error(`no free block of METRICS_PORTs found near offset ${preferred}`);
}

/**
 * The sum, over the Prometheus endpoints `metricsUrls`, of the samples of `metric` (a full sample
 * name, e.g. `commerce_http_request_duration_seconds_count`) whose labels include every pair of
 * `labels`. Reads the text exposition format line by line (our processes print one sample a line).
 * @throws Error when an endpoint does not answer
 */
export async function metricTotal(metricsUrls: readonly string[], metric: string, labels: Record<string, string> = {}): Promise<number> {
  const wanted = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  let total = 0;
  for (const url of metricsUrls) {
    const text = await (await fetch(url)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
      if (wanted.every((pair) => line.includes(pair))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/** Requests the five subgraphs have served on /graphql so far (their own HTTP metrics). */
export const subgraphRequests = (stack: Pick<BenchStack, 'subgraphMetricsUrls'>): Promise<number> =>
  metricTotal(Object.values(stack.subgraphMetricsUrls), 'commerce_http_request_duration_seconds_count', { route: '/graphql' });

/**
 * Waits until every target answers healthy, or fails as soon as one of `children` exits.
 * @throws Error naming the process that exited, or the targets still unhealthy after 120 s
 */
export async function untilHealthy(children: Child[], targets: HealthTarget[]): Promise<void> {
  const stopWatching = new AbortController();
  const exited = children.map((child) =>
    child.exited.then((status) => {
      if (!stopWatching.signal.aborted)
        throw new Error(`${child.name} exited (${describeExit(status)}) before it was healthy; its output is above`);
    }),
  );
  try {
    await Promise.race([waitForHealthy(targets, { timeoutMs: 120_000, signal: stopWatching.signal }), ...exited]);
  } finally {
    stopWatching.abort();
  }
}

/**
 * Creates, seeds and starts the stack; on failure it cleans up what it had created before rethrowing.
 * @throws Error when a database step fails or a process is not healthy within 60 s (its output is above)
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const gatewayCount = options.gateways ?? 1;
  const workers = options.workers ?? [];
  const id = `bench_${process.pid}`;
  const redisPrefix = `bench-${process.pid}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const base = databaseUrls();
  const dbUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s, withDatabase(base[s], `${id}_${s}`)])) as Record<SubgraphName, string>;
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'bench-stack-'));
  const internalSecret = randomBytes(32).toString('hex');

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await stopAll(15_000);
      const redis = createRedis(redisUrl);
      try {
        const keys = await redis.keys(`${redisPrefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        await redis.quit();
      }
      for (const s of SUBGRAPHS) await dropDatabase(dbUrls[s]);
      rmSync(tmpDir, { recursive: true, force: true });
    })());
  const onSignal = () => {
    say('▸ Interrupted: stopping the stack and dropping its databases…');
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    say(`▸ Databases ${id}_*: migrating, seeding ${describeCatalog(options.catalog)}…`);
    for (const s of SUBGRAPHS) {
      await dropDatabase(dbUrls[s]);
      await ensureDatabase(dbUrls[s]);
      await applyMigrations(s, dbUrls[s]);
    }
    const seedStarted = performance.now();
    if (options.catalog.kind === 'dummyjson') {
      await seedAll(dbUrls);
    } else {
      const { products, reviews } = options.catalog;
      const step = Math.max(1, Math.round(products / 5));
      let shown = 0;
      await seedSynthetic(dbUrls, { products, reviews }, (done) => {
        if (done - shown < step && done !== products) return;
        shown = done;
        say(`  ${done} / ${products} products seeded (${((performance.now() - seedStarted) / 1000).toFixed(0)} s)`);
      });
    }

    const ports = Object.fromEntries(await Promise.all(SUBGRAPHS.map(async (n) => [n, await freePort()]))) as Record<SubgraphName, number>;
    // The manifest reserves one gateway's METRICS_PORT; the others take free ones.
    const gatewayPorts = await Promise.all(
      Array.from({ length: gatewayCount }, async (_, i) => ({ port: await freePort(), metrics: i === 0 ? undefined : await freePort() })),
    );
    const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s, `http://127.0.0.1:${ports[s]}/graphql`])) as Record<
      SubgraphName,
      string
    >;
    const supergraphPath = path.join(tmpDir, 'supergraph.graphql');
    writeFileSync(supergraphPath, composeSupergraph(subgraphUrls));
    const env: NodeJS.ProcessEnv = {
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      INTERNAL_JWT_SECRET: internalSecret,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      SUPERGRAPH_PATH: supergraphPath,
      MAIL_OUTBOX_DIR: path.join(tmpDir, 'mail'),
      // One machine plays every client from one address: the per-IP and per-user budgets would
      // throttle the benchmark itself (the limiter still runs on every request).
      RATE_LIMIT_USER_PER_MINUTE: '1000000',
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      ...Object.fromEntries(
        SUBGRAPHS.flatMap((s) => [
          [`${s.toUpperCase()}_DATABASE_URL`, dbUrls[s]],
          [`${s.toUpperCase()}_SUBGRAPH_URL`, subgraphUrls[s]],
        ]),
      ),
      ...options.env,
    };
    const manifest = await freeManifest({ subgraphUrls, gatewayPort: gatewayPorts[0]!.port }, options.portOffset, [
      ...SUBGRAPHS,
      'gateway',
      ...workers,
    ]);
    const entries = currentEntries();
    const gatewaysNamed = gatewayCount === 1 ? 'the gateway' : `${gatewayCount} gateways`;
    const workersNamed = workers.length === 0 ? '' : `, ${workers.join(', ')}`;
    say(
      `▸ Five subgraphs${workersNamed} and ${gatewaysNamed} (${entries === 'dist' ? 'compiled dist/' : 'TypeScript via tsx'}), REDIS_PREFIX ${redisPrefix}…`,
    );
    const serve = (name: string, label = name, extra: NodeJS.ProcessEnv = {}, nodeFlags: readonly string[] = []) => {
      const spec = processNamed(manifest, name);
      const [command, args] = localCommand(spec, entries);
      return {
        spec,
        child: spawnPrefixed(label, [command, [...nodeFlags, ...args]], { cwd: REPO_ROOT, env: { ...env, ...spec.env, ...extra } }),
      };
    };
    const subgraphs = SUBGRAPHS.map((s) => serve(s, s, {}, options.subgraphNodeFlags));
    const workerChildren = workers.map((w) => serve(w));
    await untilHealthy(
      [...subgraphs, ...workerChildren].map((s) => s.child),
      [
        ...SUBGRAPHS.map((s) => ({ name: s, url: new URL('/health', subgraphUrls[s]).toString() })),
        ...workerChildren.map(({ spec }) => ({ name: spec.name, url: `http://127.0.0.1:${spec.port}${spec.health.live}` })),
      ],
    );
    const gateways = gatewayPorts.map(({ port, metrics }, i) =>
      serve(
        'gateway',
        gatewayCount === 1 ? 'gateway' : `gateway-${i + 1}`,
        { GATEWAY_PORT: String(port), ...(metrics === undefined ? {} : { METRICS_PORT: String(metrics) }) },
        options.gatewayNodeFlags,
      ),
    );
    await untilHealthy(
      gateways.map((g) => g.child),
      gatewayPorts.map(({ port }, i) => ({ name: `gateway ${i + 1}`, url: `http://127.0.0.1:${port}/health` })),
    );
    const gatewayUrls = gatewayPorts.map(({ port }) => `http://127.0.0.1:${port}/graphql`);
    const gatewayMetricsPort = processNamed(manifest, 'gateway').metricsPort;
    return {
      gatewayUrl: gatewayUrls[0]!,
      gatewayUrls,
      gatewayMetricsUrls: gatewayPorts.map(({ metrics }) => `http://127.0.0.1:${metrics ?? gatewayMetricsPort}/metrics`),
      gatewayProcesses: gateways.map((g) => g.child),
      processes: [...subgraphs, ...workerChildren, ...gateways].map((p) => p.child),
      redisUrl,
      redisPrefix,
      subgraphUrls,
      subgraphMetricsUrls: Object.fromEntries(
        subgraphs.map(({ spec }) => [spec.subgraph!, `http://127.0.0.1:${spec.metricsPort}/metrics`]),
      ) as Record<SubgraphName, string>,
      databaseUrls: dbUrls,
      internalSecret,
      supergraphPath,
      tmpDir,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
