/**
 * npm start — the whole supergraph on this machine in one command: checks that PostgreSQL and Redis
 * are up; generates the Prisma clients, migrates, seeds and composes only what is out of date
 * (input stamps and cheap database checks); starts the five subgraphs, the four workers and the
 * gateway at once, while the seed and the composition finish; prints the ready line with how long
 * each step and each process took. Every output line is prefixed with its process's name.
 * Ctrl-C stops everything gracefully; if any process dies, everything stops.
 */
// Single modules rather than package indexes (Apollo, BullMQ, the schema engine): the supervisor
// only needs configuration, and every second it spends loading is a second before the first check.
import { envSchema, parseConfig, port, subgraphUrls, type SubgraphName } from '@commerce/common/src/config';
import { REPO_ROOT, SUBGRAPHS, databaseUrls } from '@commerce/db-tools/src/config';
import { countSeededRows, isSeeded, markSeeded, pendingMigrations, seedInputsHash } from './lib/database-state';
import { isStale, markDone, prismaClientSteps, resolverTypesStep, supergraphStep, type GenerationStep } from './lib/generation';
import { preflight, type ListenPort } from './lib/preflight';
import {
  StepFailedError,
  describeExit,
  killAllNow,
  paint,
  runStep,
  spawnPrefixed,
  stopAll,
  tsx,
  waitForHealthy,
  type Child,
} from './lib/processes';

const BOLD = 1;
const GREEN = 32;
const RED = 31;
const YELLOW = 33;
const DIM_GREY = 90;
const DRAIN_MS = 15_000;
const say = (line: string) => process.stdout.write(`${line}\n`);
const here = { cwd: REPO_ROOT };

// Shutdown ------------------------------------------------------------------------------------

const cancelled = new AbortController();
let shuttingDown: Promise<void> | undefined;

/** Stops every child (each drains itself; SIGKILL after 15 s) and exits; only the first call counts. */
function shutdown(exitCode: number, reason: string): Promise<void> {
  shuttingDown ??= (async () => {
    cancelled.abort();
    say(exitCode === 0 ? paint(BOLD, reason) : paint(RED, reason));
    for (const { name, status } of await stopAll(DRAIN_MS)) {
      // A drain that failed or timed out is worth knowing about: in-flight work may have been cut short.
      // Not so the background codegen: it is simply run again at the next start.
      if (status.code !== 0 && name !== 'codegen') say(paint(YELLOW, `! ${name} did not stop cleanly (${describeExit(status)})`));
    }
    say(exitCode === 0 ? paint(GREEN, '✔ Everything stopped.') : paint(RED, `✖ Everything stopped; exiting with code ${exitCode}.`));
    process.exit(exitCode);
  })();
  return shuttingDown;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(0, `▸ ${signal} received: stopping all processes (up to ${DRAIN_MS / 1000} s to drain)…`));
}
// Children live in process groups of their own, so nothing else takes them down if we die abruptly.
process.on('exit', killAllNow);

/** Watches a process that should run until shutdown: if it ends earlier, everything stops. */
function supervise(child: Child): void {
  void child.exited.then((status) => {
    if (!shuttingDown) void shutdown(1, `✖ ${child.name} exited unexpectedly (${describeExit(status)}); stopping everything.`);
  });
}

// Configuration -------------------------------------------------------------------------------

/**
 * The port `<NAME>_PORT` a subgraph listens on, taken from its `*_SUBGRAPH_URL`: the supergraph routes
 * there, so changing the URL alone must move the subgraph too.
 */
function listenPort(name: SubgraphName, subgraphUrl: string): number {
  const url = new URL(subgraphUrl);
  const fromUrl = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const variable = `${name.toUpperCase()}_PORT`;
  const explicit = process.env[variable];
  if (explicit && Number(explicit) !== fromUrl) {
    throw new Error(`${variable}=${explicit} disagrees with ${name.toUpperCase()}_SUBGRAPH_URL (port ${fromUrl}); set only the URL.`);
  }
  return fromUrl;
}

/** Where to reach a server listening on `host`: a wildcard address is reachable on loopback. */
const reachableHost = (host: string): string =>
  host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

// Timings -------------------------------------------------------------------------------------

/** Seconds since `from` (a `performance.now()` value), one decimal. */
const since = (from: number): string => ((performance.now() - from) / 1000).toFixed(1);

/** What each step took (or why it was skipped), in the order they finished, for the ready line. */
const breakdown: string[] = [];

/** Runs `fn` as the step `label`, recording its duration; `skipped` records a skip instead. */
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  breakdown.push(`${label} ${since(started)} s`);
  return result;
}

/** Runs a generation step and stamps it, so the next start skips it while its inputs stay the same. */
async function generate(step: GenerationStep): Promise<void> {
  await runStep(step.name, [step.run.command, step.run.args], { ...here, env: step.run.env });
  markDone(step);
}

// The story -----------------------------------------------------------------------------------

/** A long-running process of the stack and how to tell it is ready. */
interface Service {
  name: string;
  entry: string;
  env?: NodeJS.ProcessEnv;
  /** `/health` URL answering 200 once it serves; workers have none and print a ready line instead. */
  healthUrl?: string;
}

/** Starts `service`; resolves with its time to healthy (seconds) once it is. */
async function startService(service: Service): Promise<string> {
  const started = performance.now();
  const child = spawnPrefixed(service.name, tsx(service.entry), { ...here, env: service.env });
  supervise(child);
  if (service.healthUrl) {
    await waitForHealthy([{ name: service.name, url: service.healthUrl }], {
      intervalMs: 100,
      timeoutMs: 60_000,
      signal: cancelled.signal,
    });
  } else {
    await child.lineMatching(/ worker ready"/);
  }
  return `${service.name} ${since(started)}`;
}

async function main(): Promise<void> {
  // The base variables every process reads, plus the gateway's port.
  const config = parseConfig(envSchema({ GATEWAY_PORT: port(4000) }));
  const urls = subgraphUrls(config);
  const subgraphPorts = Object.fromEntries(SUBGRAPHS.map((name) => [name, listenPort(name, urls[name])])) as Record<SubgraphName, number>;
  const dbUrls = databaseUrls();
  breakdown.push(`node + npm + loading ${(performance.now() / 1000).toFixed(1)} s`);

  say(paint(BOLD, '▸ Checking PostgreSQL, Redis and free ports…'));
  const ports: ListenPort[] = [
    ...SUBGRAPHS.map((name) => ({ name, host: config.HOST, port: subgraphPorts[name] })),
    { name: 'gateway', host: config.HOST, port: config.GATEWAY_PORT },
  ];
  const [problems, pending] = await timed('preflight', () =>
    Promise.all([
      preflight({
        databaseUrls: Object.fromEntries(SUBGRAPHS.map((name) => [`${name.toUpperCase()}_DATABASE_URL`, dbUrls[name]])),
        redisUrl: config.REDIS_URL,
        ports,
      }),
      // Answered from _prisma_migrations; an unreachable server is reported by the preflight instead.
      Promise.all(SUBGRAPHS.map((name) => pendingMigrations(name, dbUrls[name]).catch(() => ['?']))),
    ]),
  );
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`${paint(RED, `✖ ${problem}`)}\n`);
    process.exit(1);
  }

  // Prisma clients, resolver types and the supergraph are gitignored: a fresh clone has none; a
  // changed schema makes them stale. Each is rebuilt only then.
  const clients = prismaClientSteps().filter(isStale);
  const composition = supergraphStep(urls);
  const resolverTypes = resolverTypesStep();
  const migrate = pending.some((names) => names.length > 0);

  if (clients.length > 0) say(paint(BOLD, `▸ Generating Prisma clients (${clients.map((s) => s.name).join(', ')})…`));
  const generating = clients.length > 0 ? timed('prisma generate', () => Promise.all(clients.map(generate))) : skip('prisma generate');
  if (migrate) say(paint(BOLD, `▸ Migrating databases (${pending.flat().length} migration(s) pending)…`));
  const migrating = migrate ? timed('migrate', () => runStep('migrate', tsx('scripts/db-migrate.ts'), here)) : skip('migrate');
  const composing = isStale(composition)
    ? (say(paint(BOLD, '▸ Composing the supergraph…')), timed('compose', () => generate(composition)))
    : skip('compose');
  // The gateway needs only the supergraph: no Prisma client, no database, no subgraph up yet (token
  // keys are fetched on first use). It boots longest, so it starts as soon as the composition is there.
  const gatewayStarted = performance.now();
  const gateway = composing.then(() => {
    say(paint(BOLD, '▸ Starting the gateway…'));
    return startService({
      name: 'gateway',
      entry: 'gateway/src/main.ts',
      healthUrl: `http://${reachableHost(config.HOST)}:${config.GATEWAY_PORT}/health`,
    });
  });
  // Awaited further down; until then a failure must not count as unhandled (the first failure awaited stops everything).
  for (const pending of [gateway, composing]) pending.catch(() => undefined);
  await Promise.all([generating, migrating]);

  // Workers read their tables from the start, so processes wait for the migrations; the seed only
  // adds rows, so it runs while they boot.
  const seedUrls = { user: dbUrls.user, product: dbUrls.product, review: dbUrls.review, order: dbUrls.order };
  const seedHash = seedInputsHash(seedUrls);
  const seeding = (await isSeeded(seedHash, seedUrls))
    ? skip('seed')
    : (say(paint(BOLD, '▸ Seeding the catalog…')),
      timed('seed', async () => {
        await runStep('seed', tsx('scripts/seed.ts'), here);
        await markSeeded(seedHash, seedUrls);
      }));

  seeding.catch(() => undefined);
  say(paint(BOLD, '▸ Starting subgraphs and workers…'));
  const services: Service[] = [
    ...SUBGRAPHS.map((name) => ({
      name,
      entry: `subgraphs/${name}/src/main.ts`,
      env: { [`${name.toUpperCase()}_PORT`]: String(subgraphPorts[name]) },
      healthUrl: new URL('/health', urls[name]).toString(),
    })),
    { name: 'checkout', entry: 'subgraphs/order/src/workers/checkout.main.ts' },
    { name: 'notifier', entry: 'subgraphs/user/src/workers/notification.main.ts' },
    { name: 'ratings', entry: 'subgraphs/product/src/workers/rating-sync.main.ts' },
    { name: 'purchases', entry: 'subgraphs/review/src/workers/purchase.main.ts' },
  ];
  const healthy = services.map(startService);
  const times = await Promise.all([...healthy, gateway]);
  breakdown.push(`processes ${since(gatewayStarted)} s (${times.join(', ')})`);
  await Promise.all([composing, seeding]);

  const counts = await countSeededRows(seedUrls);
  say(
    paint(
      GREEN,
      `✔ Supergraph ready at http://localhost:${config.GATEWAY_PORT}/graphql (Apollo Sandbox in your browser) — took ${since(0)} s`,
    ),
  );
  say(paint(DIM_GREY, `  ${breakdown.join(' · ')}`));
  say(`  Catalog: ${counts.products} products, ${counts.users} users, ${counts.reviews} reviews. Sign in as emilys / emilyspass (admin).`);
  say(`  Queue dashboard (admins): http://localhost:${config.GATEWAY_PORT}/admin/queues`);
  say('  Press Ctrl-C to stop everything: each process finishes its in-flight work first.');

  // Resolver types only matter to the type checker and editors (imports of them are type-only), so
  // they are refreshed after the ready line rather than before it.
  if (isStale(resolverTypes)) {
    say(paint(BOLD, '▸ Refreshing resolver types (codegen) in the background…'));
    await generate(resolverTypes).catch((error: unknown) => {
      if (!shuttingDown)
        say(paint(YELLOW, `! codegen failed (${error instanceof Error ? error.message : String(error)}); run \`npm run generate\``));
    });
  }
}

/** A step that was up to date: recorded as skipped in the breakdown. */
function skip(label: string): Promise<void> {
  breakdown.push(`${label} up to date`);
  return Promise.resolve();
}

main().catch((error: unknown) => {
  // Once shutting down, steps and health waits fail because they were cut short: nothing to add.
  if (shuttingDown) return;
  const exitCode = error instanceof StepFailedError ? (error.status.code ?? 1) : 1;
  void shutdown(exitCode, `✖ ${error instanceof Error ? error.message : String(error)}`);
});
