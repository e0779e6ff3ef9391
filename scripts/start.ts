/**
 * npm start — the whole supergraph on this machine in one command: checks that PostgreSQL and Redis
 * are up; generates the Prisma clients, migrates, seeds and composes only what is out of date
 * (input stamps and cheap database checks); starts the five subgraphs, the four workers and the
 * gateway at once, while the seed and the composition finish; prints the ready line with how long
 * each step and each process took. Every output line is prefixed with its process's name.
 * A process that dies is restarted with backoff (see `scripts/lib/supervisor.ts`); one that keeps
 * dying (5 exits in 60 s) stops everything. Ctrl-C stops everything gracefully.
 */
// Single modules rather than package indexes (Apollo, BullMQ, the schema engine): the supervisor
// only needs configuration, and every second it spends loading is a second before the first check.
import { envSchema, parseConfig, port, subgraphUrls, type SubgraphName } from '@commerce/common/src/config';
import { REPO_ROOT, SUBGRAPHS, databaseUrls } from '@commerce/db-tools/src/config';
import { countSeededRows, isSeeded, markSeeded, pendingMigrations, seedInputsHash } from './lib/database-state';
import { isStale, markDone, prismaClientSteps, resolverTypesStep, supergraphStep, type GenerationStep } from './lib/generation';
import { preflight, type ListenPort } from './lib/preflight';
import { StepFailedError, paint, runStep } from './lib/processes';
import { createSupervisor, type Service } from './lib/supervisor';
import { currentEntries } from './lib/build';
import { HEALTH_PATHS, job, localCommand, processManifest, urlPort, type EntryKind, type ProcessSpec } from '../deploy/processes';

const BOLD = 1;
const GREEN = 32;
const RED = 31;
const YELLOW = 33;
const DIM_GREY = 90;
const say = (line: string) => process.stdout.write(`${line}\n`);
const here = { cwd: REPO_ROOT };

// The background codegen cut short by a stop is simply run again at the next start: not worth a warning.
const supervisor = createSupervisor({ cwd: REPO_ROOT, quietStops: ['codegen'], say });
supervisor.handleSignals();

// Configuration -------------------------------------------------------------------------------

/**
 * Refuses a `<NAME>_PORT` that disagrees with the subgraph's `*_SUBGRAPH_URL`: the supergraph routes
 * to the URL, so the manifest takes the port from it and changing the URL alone moves the subgraph too.
 */
function checkListenPort(name: SubgraphName, subgraphUrl: string): void {
  const fromUrl = urlPort(subgraphUrl);
  const variable = `${name.toUpperCase()}_PORT`;
  const explicit = process.env[variable];
  if (explicit && Number(explicit) !== fromUrl) {
    throw new Error(`${variable}=${explicit} disagrees with ${name.toUpperCase()}_SUBGRAPH_URL (port ${fromUrl}); set only the URL.`);
  }
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

/** Starts `service` under the supervisor; resolves with `name seconds` once it is first ready. */
const startService = (service: Service): Promise<string> =>
  supervisor.start(service).then((seconds) => `${service.name} ${seconds.toFixed(1)}`);

/**
 * A process of the manifest under the supervisor (and the migrate and seed jobs, through
 * `localCommand`), from its compiled entry point when `npm run build` is current (about half the CPU of tsx's on-the-fly transform; source maps keep stack traces on the
 * .ts files), else from its TypeScript source. Ready once it answers on its liveness path.
 */
const stackService = (spec: ProcessSpec, kind: EntryKind, host: string): Service => ({
  name: spec.name,
  command: localCommand(spec, kind),
  env: spec.env,
  ready: { url: `http://${reachableHost(host)}:${spec.port}${HEALTH_PATHS.live}` },
});

async function main(): Promise<void> {
  // The base variables every process reads, plus the gateway's port.
  const config = parseConfig(envSchema({ GATEWAY_PORT: port(4000) }));
  const urls = subgraphUrls(config);
  for (const name of SUBGRAPHS) checkListenPort(name, urls[name]);
  const manifest = processManifest({ subgraphUrls: urls, gatewayPort: config.GATEWAY_PORT });
  // Entries of the steps that start before the build can have run (migrate); the processes wait for it.
  const entries: EntryKind = currentEntries();
  const dbUrls = databaseUrls();
  breakdown.push(`node + npm + loading ${(performance.now() / 1000).toFixed(1)} s`);

  say(paint(BOLD, '▸ Checking PostgreSQL, Redis and free ports…'));
  const ports: ListenPort[] = manifest.map((spec) => ({ name: spec.name, host: config.HOST, port: spec.port }));
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
  const migrating = migrate ? timed('migrate', () => runStep('migrate', localCommand(job('migrate'), entries), here)) : skip('migrate');
  // A stale (or absent: a fresh clone) build is redone after the Prisma clients, which it
  // compiles: 1–3 s of esbuild, against twice the CPU per process start under tsx. If it fails,
  // the processes start from their TypeScript sources as before.
  const processEntries: Promise<EntryKind> =
    entries === 'dist'
      ? skip('build').then(() => 'dist')
      : generating
          .then(() => timed('build', () => runStep('build', [process.execPath, ['--require', 'tsx/cjs', 'scripts/build.ts']], here)))
          .then(
            () => 'dist' as const,
            () => {
              say(paint(YELLOW, '▸ The build failed; starting the processes from their TypeScript sources (tsx).'));
              return 'source' as const;
            },
          );
  const composing = isStale(composition)
    ? (say(paint(BOLD, '▸ Composing the supergraph…')), timed('compose', () => generate(composition)))
    : skip('compose');
  // The gateway needs only the supergraph: no Prisma client, no database, no subgraph up yet (token
  // keys are fetched on first use). It boots longest, so it starts as soon as the composition is there.
  const gatewayStarted = performance.now();
  const [gatewaySpec, ...others] = manifest;
  if (gatewaySpec?.role !== 'gateway') throw new Error('deploy/processes.ts must list the gateway first');
  const gateway = Promise.all([processEntries, composing]).then(([kind]) => {
    say(paint(BOLD, '▸ Starting the gateway…'));
    return startService(stackService(gatewaySpec, kind, config.HOST));
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
        await runStep('seed', localCommand(job('seed'), await processEntries), here);
        await markSeeded(seedHash, seedUrls);
      }));

  seeding.catch(() => undefined);
  say(paint(BOLD, '▸ Starting subgraphs and workers…'));
  const kind = await processEntries;
  const healthy = others.map((spec) => startService(stackService(spec, kind, config.HOST)));
  const times = await Promise.all([...healthy, gateway]);
  breakdown.push(`processes (${kind === 'dist' ? 'compiled' : 'tsx'}) ${since(gatewayStarted)} s (${times.join(', ')})`);
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
      if (!supervisor.shuttingDown)
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
  if (supervisor.shuttingDown) return;
  const exitCode = error instanceof StepFailedError ? (error.status.code ?? 1) : 1;
  void supervisor.shutdown(exitCode, `✖ ${error instanceof Error ? error.message : String(error)}`);
});
