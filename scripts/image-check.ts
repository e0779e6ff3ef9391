/**
 * npm run image:check — the production image, proven without a Docker engine (issue 13 item 2).
 *
 * Assembles the runtime stage's filesystem in a temporary folder outside the repository exactly as
 * the Dockerfile does — its COPY, RUN and ENV lines are parsed (scripts/lib/dockerfile.ts), so the
 * check follows the file — with `npm ci --omit=dev` run there as the prod-deps stage runs it and
 * this checkout's `npm run build` output as the build stage. Then, from that folder, with plain
 * `node` (the image's command; no tsx, no devDependency resolvable), it runs the migrate, seed and
 * compose jobs, starts every process of deploy/processes.ts one after the other (cold start = spawn
 * to `/health/ready` 200), sends a federated query (products with their reviews and authors) and
 * a checkout through the gateway until the order is CONFIRMED, and stops everything with SIGTERM
 * (each must exit 0). It prints the layer's size (node_modules apart) and each cold start.
 *
 * What it cannot prove: the base image, apt packages (tini, the compiler of the build stages), USER
 * and HEALTHCHECK; tests/deploy/manifest.test.ts checks those lines. Databases `imagecheck_<pid>_*`
 * and Redis prefix `imagecheck-<pid>` are its own and removed at the end.
 * Exit code 0 when everything above held, 1 otherwise (with the failing process's output).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import dockerignore from '@balena/dockerignore';
import { Redis } from 'ioredis';
import { SUBGRAPHS, bearer, exportSigningKey, generateSigningKey, graphqlData, type SubgraphName } from '@commerce/common';
import { dropDatabase } from '@commerce/db-tools';
import { HEALTH_PATHS, JOBS, containerCommand, processManifest, type ProcessSpec } from '../deploy/processes';
import { isBuildUpToDate } from './lib/build';
import { parseCopy, parseEnv, repositoryStages, stageNamed, type Stage } from './lib/dockerfile';
import { ROOT } from './lib/stamps';
import { cpuSecondsOf } from './lib/processes';

const run = promisify(execFile);
const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** The image's working directory: every `/app` path of the Dockerfile maps to the assembled folder. */
const APP = '/app';
/** Build tools that must not be resolvable from the runtime folder (devDependencies of the root). */
const BUILD_TOOLS = ['tsx', 'typescript', 'esbuild', 'jest', 'prisma', '@swc/core', 'eslint'];
/** Ports of this check's stack: clear of `npm start` (4000–4105), the benchmarks' offsets and the tests' random ports. */
const GATEWAY_PORT = 4900;
const PORT_OFFSET = 900;

class ImageCheckError extends Error {}

// Assembling the runtime stage -----------------------------------------------------------------

/** The stage whose RUN lines build the code: taken from this checkout (after `npm run build`), not reproduced. */
const isBuildStage = (stage: Stage) => stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args));

/** Files of the build context, filtered by .dockerignore as `docker build` sends them. */
const contextFilter = (() => {
  const rules = dockerignore({ ignorecase: false }).add(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
  return (source: string) => {
    const relative = path.relative(ROOT, source).split(path.sep).join('/');
    return relative === '' || !rules.ignores(relative);
  };
})();

/** What reproducing a stage did that a reader should know about (skipped system packages, the install's time). */
const notes: string[] = [];

/**
 * Runs one RUN line of a stage being reproduced in `dir`. Only the commands our Dockerfile uses are
 * known; anything else stops the check, so a new RUN line is either reproduced here or named.
 * @throws ImageCheckError for a command this check does not know.
 */
async function reproduceRun(command: string, dir: string): Promise<void> {
  for (const step of command.split('&&').map((part) => part.trim())) {
    const words = step.split(/\s+/);
    if (words[0] === 'apt-get' || step === 'rm -rf /var/lib/apt/lists/*') {
      if (words[1] === 'install')
        notes.push(
          `system packages not installed here: ${words
            .filter((w) => !w.startsWith('-'))
            .slice(2)
            .join(' ')}`,
        );
    } else if (words[0] === 'npm' && words[1] === 'ci') {
      const started = performance.now();
      say(`  ${step} (in ${dir})…`);
      await run('npm', [...words.slice(1), '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 * 2 ** 20 });
      notes.push(`${step}: ${seconds(performance.now() - started)}`);
    } else if (words[0] === 'npm' && words[1] === 'cache') {
      // The cache lives outside /app (in the home folder), so it never reached the layer we assemble.
    } else if (words[0] === 'mkdir') {
      for (const target of words.slice(1).filter((w) => !w.startsWith('-'))) mkdirSync(mapAppPath(target, dir), { recursive: true });
    } else if (words[0] === 'chown') {
      // Ownership: the check runs as the current user (USER node is checked by tests/deploy/manifest.test.ts).
    } else {
      throw new ImageCheckError(`image:check does not know how to reproduce \`RUN ${step}\`; teach scripts/image-check.ts`);
    }
  }
}

/** `/app/x` → `<dir>/x`. @throws ImageCheckError for a path outside /app (it would not be in the assembled folder). */
function mapAppPath(target: string, dir: string, workdir = APP): string {
  const absolute = path.posix.resolve(workdir, target);
  if (absolute !== APP && !absolute.startsWith(`${APP}/`)) throw new ImageCheckError(`${target}: outside ${APP}, not reproducible here`);
  return path.join(dir, path.posix.relative(APP, absolute));
}

/**
 * Reproduces stage `name` (and the stages it is built on) into `dir`: COPY from the context or
 * from another stage, RUN through {@link reproduceRun}, ENV collected.
 * @returns The stage's environment (ENV of it and its parents, in order).
 */
async function assemble(stages: readonly Stage[], name: string, dir: string): Promise<Map<string, string>> {
  const stage = stageNamed(stages, name);
  const env = stages.some((s) => s.name === stage.from) ? await assemble(stages, stage.from, dir) : new Map<string, string>();
  let workdir = APP;
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = path.posix.resolve(workdir, args);
      mapAppPath(workdir, dir);
    } else if (keyword === 'ENV') {
      for (const [key, value] of parseEnv(args)) env.set(key, value);
    } else if (keyword === 'RUN') {
      await reproduceRun(args, dir);
    } else if (keyword === 'COPY') {
      await reproduceCopy(stages, args, dir, workdir);
    }
    // FROM's ARGs, USER, EXPOSE, VOLUME, HEALTHCHECK, ENTRYPOINT and CMD change no file of /app.
  }
  return env;
}

/** COPY as Docker does it: a folder's contents into the destination folder; a file into a folder (destination ending in `/`, several sources) or to the destination path. */
async function reproduceCopy(stages: readonly Stage[], args: string, dir: string, workdir: string): Promise<void> {
  const copy = parseCopy(args);
  const destination = mapAppPath(copy.destination, dir, workdir);
  const intoFolder = copy.destination.endsWith('/') || copy.sources.length > 1;
  for (const source of copy.sources) {
    let from: string;
    let stageDir: string | undefined;
    if (copy.from === undefined) {
      from = path.join(ROOT, source);
    } else if (isBuildStage(stageNamed(stages, copy.from))) {
      from = mapAppPath(source, ROOT);
    } else {
      // Another stage, reproduced in a folder of its own beside this one, then copied in.
      stageDir = mkdtempSync(path.join(path.dirname(dir), `${copy.from}-`));
      await assemble(stages, copy.from, stageDir);
      from = mapAppPath(source, stageDir);
    }
    if (!existsSync(from)) throw new ImageCheckError(`COPY ${args}: ${from} does not exist (did \`npm run build\` run?)`);
    const filter = copy.from === undefined ? contextFilter : undefined;
    if (statSync(from).isDirectory()) {
      if (from === stageDir && destination === dir && readdirSync(dir).length === 0) {
        // The whole of another stage's /app into an empty /app (the production install): a rename, not a 500 MB copy.
        rmSync(dir, { recursive: true });
        renameSync(from, dir);
      } else {
        cpSync(from, destination, { recursive: true, filter });
        if (stageDir) rmSync(stageDir, { recursive: true, force: true });
      }
    } else {
      const target = intoFolder ? path.join(destination, path.basename(from)) : destination;
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(from, target);
    }
  }
}

/** Every folder above `dir` that Node's module resolution would search (`…/node_modules`), none of which may exist. */
function assertIsolated(dir: string): void {
  for (let folder = path.dirname(dir); ; folder = path.dirname(folder)) {
    if (existsSync(path.join(folder, 'node_modules'))) {
      throw new ImageCheckError(`${path.join(folder, 'node_modules')} exists: modules missing from the image would resolve there`);
    }
    if (folder === path.dirname(folder)) break;
  }
}

/** Fails when a build tool resolves from the runtime folder (it would be a production dependency, or leak in). */
async function assertNoBuildTools(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const script = `const found = ${JSON.stringify(BUILD_TOOLS)}.filter((name) => { try { require.resolve(name + '/package.json'); return true; } catch { return false; } }); console.log(JSON.stringify(found));`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: dir, env });
  const found = JSON.parse(stdout) as string[];
  if (found.length > 0) throw new ImageCheckError(`build tools resolvable in the runtime layer: ${found.join(', ')}`);
}

/** Kibibytes of `target` (`du -sk`: blocks on disk, as an image layer stores files). */
async function du(target: string): Promise<number> {
  const { stdout } = await run('du', ['-sk', target]);
  return Number(stdout.split(/\s/)[0]);
}

/** Every `node_modules` folder of the repository's workspaces, for the size of the full (`npm ci`) install. */
const repositoryNodeModules = (): string[] =>
  [
    ROOT,
    ...['packages', 'subgraphs'].flatMap((group) => readdirSync(path.join(ROOT, group)).map((name) => path.join(ROOT, group, name))),
    path.join(ROOT, 'gateway'),
  ]
    .map((folder) => path.join(folder, 'node_modules'))
    .filter(existsSync);

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

// Running it --------------------------------------------------------------------------------------

/** A started process of the assembled image: its output kept for the failure message. */
interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

function startNode(name: string, command: string[], dir: string, env: NodeJS.ProcessEnv): Running {
  const [node, ...args] = command;
  if (node !== 'node') throw new ImageCheckError(`${name}: the container command must start with node, not ${node}`);
  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, exited, output: () => log };
}

/** Runs a one-shot job to completion. @throws ImageCheckError with its output when it exits non-zero. */
async function runJob(name: string, command: string[], dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const job = startNode(name, command, dir, env);
  const code = await job.exited;
  if (code !== 0) throw new ImageCheckError(`job ${name} exited ${code}:\n${job.output().slice(-4000)}`);
  return performance.now() - started;
}

/** Polls `url` until it answers 200. @throws ImageCheckError when the process exits first or `timeoutMs` passes. */
async function untilReady(running: Running, url: string, timeoutMs: number): Promise<void> {
  let exited = false;
  void running.exited.then(() => (exited = true));
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exited) throw new ImageCheckError(`${running.name} exited before it was ready:\n${running.output().slice(-4000)}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new ImageCheckError(`${running.name} not ready at ${url} within ${seconds(timeoutMs)}:\n${running.output().slice(-4000)}`);
}

/** The product query of the README: products, their rating and reviews (review subgraph) and authors (user subgraph). */
const PRODUCTS_WITH_REVIEWS = `query ($first: Int!) {
  products(first: $first, sort: PRICE_ASC) {
    edges { node { id title price { amount } averageRating reviewCount reviews(first: 2) { edges { node { rating author { username } } } } } }
  }
}`;

interface ProductsAnswer {
  products: {
    edges: {
      node: {
        id: string;
        title: string;
        reviewCount: number;
        reviews: { edges: { node: { rating: number; author: { username: string } } }[] };
      };
    }[];
  };
}

/** A federated query and one checkout through the gateway, as README operations 1–3 do. @throws ImageCheckError when an answer is wrong. */
async function exercise(gatewayUrl: string): Promise<string> {
  const { products } = await graphqlData<ProductsAnswer>(gatewayUrl, PRODUCTS_WITH_REVIEWS, { first: 20 });
  const reviewed = products.edges.filter((edge) => edge.node.reviews.edges.length > 0);
  if (products.edges.length === 0 || reviewed.length === 0 || !reviewed[0]!.node.reviews.edges[0]!.node.author.username) {
    throw new ImageCheckError(`the federated query found no product with reviews and authors: ${JSON.stringify(products).slice(0, 500)}`);
  }
  const { login } = await graphqlData<{ login: { accessToken: string } }>(
    gatewayUrl,
    'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
    { u: 'emilys', p: 'emilyspass' },
  );
  const auth = bearer(login.accessToken);
  await graphqlData(
    gatewayUrl,
    'mutation ($id: ID!) { addToCart(productId: $id, quantity: 1) { totalQuantity } }',
    { id: products.edges[0]!.node.id },
    auth,
  );
  const { checkout } = await graphqlData<{ checkout: { order: { id: string } } }>(
    gatewayUrl,
    `mutation ($key: String!, $address: AddressInput!) {
      checkout(input: { idempotencyKey: $key, shippingAddress: $address, shippingMethod: STANDARD }) { order { id status } }
    }`,
    {
      key: `image-check-${randomBytes(6).toString('hex')}`,
      address: { fullName: 'Emily Johnson', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', countryCode: 'DE' },
    },
    auth,
  );
  const deadline = performance.now() + 60_000;
  for (;;) {
    const { order } = await graphqlData<{ order: { status: string; failureReason: string | null } }>(
      gatewayUrl,
      'query ($id: ID!) { order(id: $id) { status failureReason } }',
      { id: checkout.order.id },
      auth,
    );
    if (order.status === 'CONFIRMED') return checkout.order.id;
    if (order.status !== 'PENDING') throw new ImageCheckError(`order ${checkout.order.id} ended ${order.status}: ${order.failureReason}`);
    if (performance.now() > deadline) throw new ImageCheckError(`order ${checkout.order.id} still PENDING after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Deletes the keys of this check's Redis prefix. */
async function clearRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  if (!isBuildUpToDate()) throw new ImageCheckError('dist/ is missing or stale: run `npm run build` first (the build stage of the image)');
  const stages = repositoryStages();
  const runtimeStage = stages.at(-1)!;
  const root = mkdtempSync(path.join(tmpdir(), 'commerce-image-'));
  const dir = path.join(root, 'app');
  mkdirSync(dir);
  const running: Running[] = [];
  const id = `imagecheck_${process.pid}`;
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redisPrefix = `imagecheck-${process.pid}`;
  const databaseUrls = Object.fromEntries(
    SUBGRAPHS.map((name) => [
      name,
      `${(process.env.IMAGE_CHECK_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432').replace(/\/$/, '')}/${id}_${name}`,
    ]),
  ) as Record<SubgraphName, string>;
  try {
    say(`▸ Assembling the ${runtimeStage.name} stage of the Dockerfile in ${dir}`);
    const assembleStarted = performance.now();
    const imageEnv = await assemble(stages, runtimeStage.name, dir);
    say(`  assembled in ${seconds(performance.now() - assembleStarted)}${notes.map((note) => `\n  ${note}`).join('')}`);
    assertIsolated(dir);

    const [total, modules] = await Promise.all([du(dir), du(path.join(dir, 'node_modules'))]);
    const full = (await Promise.all(repositoryNodeModules().map(du))).reduce((sum, kib) => sum + kib, 0);
    say(`  runtime layer ${mib(total)}: node_modules ${mib(modules)}, the rest (dist, migrations, catalog) ${mib(total - modules)}`);
    say(`  for comparison, this checkout's full install (devDependencies too, as the tsx image had): node_modules ${mib(full)}`);

    // The container's environment: the Dockerfile's ENV with /app mapped here, then what a deployment provides.
    // HOST stays on loopback: this machine is not a container network.
    const subgraphUrls = Object.fromEntries(
      SUBGRAPHS.map((name, i) => [name, `http://127.0.0.1:${GATEWAY_PORT + 1 + i}/graphql`]),
    ) as Record<SubgraphName, string>;
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: path.join(dir, '.data'),
      ...Object.fromEntries([...imageEnv].map(([key, value]) => [key, value.startsWith(`${APP}/`) ? mapAppPath(value, dir) : value])),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      INTERNAL_JWT_SECRET: randomBytes(32).toString('hex'),
      AUTH_SIGNING_KEYS: JSON.stringify([exportSigningKey(generateSigningKey())]),
      HEALTH_CHECK_TIMEOUT_MS: '5000',
      ...Object.fromEntries(
        SUBGRAPHS.flatMap((name) => [
          [`${name.toUpperCase()}_DATABASE_URL`, databaseUrls[name]],
          [`${name.toUpperCase()}_SUBGRAPH_URL`, subgraphUrls[name]],
        ]),
      ),
    };
    if (base.NODE_ENV !== 'production') throw new ImageCheckError(`the runtime stage sets NODE_ENV=${base.NODE_ENV}, not production`);
    await assertNoBuildTools(dir, base);
    say(`  no build tool resolvable (${BUILD_TOOLS.join(', ')}); node_modules only inside the folder`);

    say('▸ One-shot jobs (the image command of each, from deploy/processes.ts)');
    for (const job of JOBS) say(`  ${job.name}: ${seconds(await runJob(job.name, containerCommand(job), dir, base))}`);

    const manifest: ProcessSpec[] = processManifest({ subgraphUrls, gatewayPort: GATEWAY_PORT, portOffset: PORT_OFFSET });
    // The gateway last: its readiness needs the subgraphs. One at a time, so each time is the process's own.
    const order = [...manifest.filter((spec) => spec.role !== 'gateway'), ...manifest.filter((spec) => spec.role === 'gateway')];
    say('▸ Cold starts, one process at a time (spawn → /health/ready 200; CPU seconds of the process by then)');
    for (const spec of order) {
      const started = performance.now();
      const process_ = startNode(spec.name, containerCommand(spec), dir, { ...base, ...spec.env });
      running.push(process_);
      await untilReady(process_, `http://127.0.0.1:${spec.port}${HEALTH_PATHS.ready}`, 60_000);
      say(
        `  ${spec.name.padEnd(26)} ${seconds(performance.now() - started).padStart(7)}   CPU ${(cpuSecondsOf(process_.child.pid) ?? NaN).toFixed(2)} s`,
      );
    }

    say('▸ Through the gateway: products with reviews and authors, then a checkout');
    const orderId = await exercise(`http://127.0.0.1:${GATEWAY_PORT}/graphql`);
    say(`  order ${orderId} CONFIRMED`);

    say('▸ SIGTERM to every process (as tini forwards it)');
    for (const process_ of [...running].reverse()) process_.child.kill('SIGTERM');
    const codes = await Promise.all(running.map((process_) => process_.exited));
    const unclean = running.filter((_, i) => codes[i] !== 0).map((process_, i) => `${process_.name} (${codes[i]})`);
    if (unclean.length > 0) throw new ImageCheckError(`not a clean stop: ${unclean.join(', ')}`);
    say(`✔ image check passed; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    for (const process_ of running)
      if (process_.child.exitCode === null && process_.child.signalCode === null) process_.child.kill('SIGKILL');
    await Promise.all(running.map((process_) => process_.exited));
    await Promise.all(SUBGRAPHS.map((name) => dropDatabase(databaseUrls[name]).catch(() => undefined)));
    await clearRedisPrefix(redisUrl, redisPrefix).catch(() => undefined);
    if (!process.env.IMAGE_CHECK_KEEP) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ image check failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
