/**
 * npm start — the whole supergraph on this machine in one command: checks that PostgreSQL and Redis
 * are up, migrates, seeds and composes, then runs the five subgraphs and the workers, and once the
 * subgraphs are healthy the gateway. Every output line is prefixed with its process's name.
 * Ctrl-C stops everything gracefully; if any process dies, everything stops.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { envSchema, parseConfig, port, subgraphUrls } from '@commerce/common';
import { REPO_ROOT, SUBGRAPHS, databaseUrls, type SubgraphName } from '@commerce/db-tools';
import { preflight, type ListenPort } from './lib/preflight';
import {
  StepFailedError,
  describeExit,
  killAllNow,
  npm,
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
      if (status.code !== 0) say(paint(YELLOW, `! ${name} did not stop cleanly (${describeExit(status)})`));
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

// The story -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  // The base variables every process reads, plus the gateway's port.
  const config = parseConfig(envSchema({ GATEWAY_PORT: port(4000) }));
  const urls = subgraphUrls(config);
  const subgraphPorts = Object.fromEntries(SUBGRAPHS.map((name) => [name, listenPort(name, urls[name])])) as Record<SubgraphName, number>;
  const dbUrls = databaseUrls();

  say(paint(BOLD, '▸ Checking PostgreSQL, Redis and free ports…'));
  const ports: ListenPort[] = [
    ...SUBGRAPHS.map((name) => ({ name, host: config.HOST, port: subgraphPorts[name] })),
    { name: 'gateway', host: config.HOST, port: config.GATEWAY_PORT },
  ];
  const problems = await preflight({
    databaseUrls: Object.fromEntries(SUBGRAPHS.map((name) => [`${name.toUpperCase()}_DATABASE_URL`, dbUrls[name]])),
    redisUrl: config.REDIS_URL,
    ports,
  });
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`${paint(RED, `✖ ${problem}`)}\n`);
    process.exit(1);
  }

  // Prisma clients and resolver types are gitignored: a fresh clone has none.
  const missing = SUBGRAPHS.flatMap((name) => [`subgraphs/${name}/src/db/generated`, `subgraphs/${name}/src/__generated__`]).filter(
    (dir) => !existsSync(path.join(REPO_ROOT, dir)),
  );
  if (missing.length > 0) {
    say(paint(BOLD, `▸ Generating Prisma clients and resolver types (${missing[0]} is missing)…`));
    await runStep('generate', npm('run', 'generate'), here);
  }

  say(paint(BOLD, '▸ Migrating databases…'));
  await runStep('migrate', tsx('scripts/db-migrate.ts'), here);
  say(paint(BOLD, '▸ Seeding the catalog…'));
  await runStep('seed', tsx('scripts/seed.ts'), here);
  say(paint(BOLD, '▸ Composing the supergraph…'));
  await runStep('compose', tsx('scripts/compose.ts'), here);

  say(paint(BOLD, '▸ Starting subgraphs and workers…'));
  for (const name of SUBGRAPHS) {
    const env = { [`${name.toUpperCase()}_PORT`]: String(subgraphPorts[name]) };
    supervise(spawnPrefixed(name, tsx(`subgraphs/${name}/src/main.ts`), { ...here, env }));
  }
  supervise(spawnPrefixed('checkout', tsx('subgraphs/order/src/workers/checkout.main.ts'), here));
  supervise(spawnPrefixed('notifier', tsx('subgraphs/user/src/workers/notification.main.ts'), here));
  supervise(spawnPrefixed('ratings', tsx('subgraphs/product/src/workers/rating-sync.main.ts'), here));
  supervise(spawnPrefixed('purchases', tsx('subgraphs/review/src/workers/purchase.main.ts'), here));

  await waitForHealthy(
    SUBGRAPHS.map((name) => ({ name, url: new URL('/health', urls[name]).toString() })),
    { intervalMs: 200, timeoutMs: 60_000, signal: cancelled.signal },
  );

  say(paint(BOLD, '▸ Subgraphs healthy; starting the gateway…'));
  supervise(spawnPrefixed('gateway', tsx('gateway/src/main.ts'), here));
  await waitForHealthy([{ name: 'gateway', url: `http://${reachableHost(config.HOST)}:${config.GATEWAY_PORT}/health` }], {
    intervalMs: 200,
    timeoutMs: 60_000,
    signal: cancelled.signal,
  });

  const took = (performance.now() / 1000).toFixed(1);
  say(
    paint(GREEN, `✔ Supergraph ready at http://localhost:${config.GATEWAY_PORT}/graphql (Apollo Sandbox in your browser) — took ${took} s`),
  );
  say(`  Queue dashboard (admins): http://localhost:${config.GATEWAY_PORT}/admin/queues`);
  say('  Press Ctrl-C to stop everything: each process finishes its in-flight work first.');
}

main().catch((error: unknown) => {
  // Once shutting down, steps and health waits fail because they were cut short: nothing to add.
  if (shuttingDown) return;
  const exitCode = error instanceof StepFailedError ? (error.status.code ?? 1) : 1;
  void shutdown(exitCode, `✖ ${error instanceof Error ? error.message : String(error)}`);
});
