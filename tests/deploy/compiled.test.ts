import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import { JOBS, nodeArgs, processNamed, PROCESSES } from '../../deploy/processes';
import { templateUrls, urlOf } from '../support/databases';
import { eventually } from '../support/eventually';
import { spawnProcess, type WorkerProcess } from '../support/worker-process';

/**
 * Issue 13 item 2: `npm run build` produces JavaScript that runs with plain `node` (no tsx), as the
 * runtime image runs it: a subgraph and a worker from their compiled entry points answer
 * /health/ready 200 against real PostgreSQL and Redis, and the compiled migrate job creates and
 * migrates databases from nothing.
 */

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const id = `${process.env.TEST_RUN_ID}_${randomBytes(4).toString('hex')}`;
const product = urlOf(`test_${id}_product`);
const order = urlOf(`test_${id}_order`);
const redisPrefix = `test-${id}`;
const spawned: WorkerProcess[] = [];
const created: string[] = [product, order];

beforeAll(async () => {
  // The build itself, so the test never runs a stale dist/.
  await run(process.execPath, ['--require', 'tsx/cjs', 'scripts/build.ts'], { cwd: ROOT });
  const templates = templateUrls(process.env.TEST_RUN_ID!);
  await cloneDatabase(templates.product, product);
  await cloneDatabase(templates.order, order);
}, 180_000);

afterAll(async () => {
  for (const child of spawned) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await Promise.all(spawned.map((child) => child.exited));
  for (const url of created) await dropDatabase(url);
});

/** The environment of a compiled process: the production-like minimum, this suite's databases and Redis prefix, no tsx anywhere. */
const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: redisPrefix,
  PRODUCT_DATABASE_URL: product,
  ORDER_DATABASE_URL: order,
  // A fresh process's first SELECT 1 opens its pool: on a loaded test machine that can take over the 1 s default.
  HEALTH_CHECK_TIMEOUT_MS: '5000',
  ...extra,
});

const readyOf = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as { status: string } };
};

test('the product subgraph runs from subgraphs/product/dist/main.js and gets ready (Prisma client compiled in, schema.graphql copied)', async () => {
  const spec = processNamed(PROCESSES, 'product');
  expect(nodeArgs(spec, 'dist')).toEqual(['--conditions=commerce-dist', 'subgraphs/product/dist/main.js']);
  const subgraph = await spawnProcess('product', env({ PRODUCT_PORT: '0' }), 'dist');
  spawned.push(subgraph);
  const ready = JSON.parse(
    subgraph
      .output()
      .split('\n')
      .find((line) => line.includes('"product subgraph ready"'))!,
  ) as { url: string };
  const answer = await eventually(async () => {
    const result = await readyOf(new URL('/health/ready', ready.url).toString());
    return result.status === 200 ? result : undefined;
  }, 'the compiled product subgraph ready');
  expect(answer.body.status).toBe('ok');
  subgraph.child.kill('SIGTERM');
  expect(await subgraph.exited).toEqual({ code: 0, signal: null });
});

test('the checkout worker runs from its compiled entry point and serves readiness on HEALTH_PORT', async () => {
  const worker = await spawnProcess('checkout-worker', env({ HEALTH_PORT: '0', RECONCILE_INTERVAL_MS: '60000' }), 'dist');
  spawned.push(worker);
  const line = worker
    .output()
    .split('\n')
    .find((entry) => entry.includes('"checkout worker ready"'))!;
  const health = (JSON.parse(line) as { health: string }).health;
  const answer = await eventually(async () => {
    const result = await readyOf(`${health}/ready`);
    return result.status === 200 ? result : undefined;
  }, 'the compiled checkout worker ready');
  expect(answer.body.status).toBe('ok');
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
});

test('the compiled migrate job creates every database from nothing and applies the migrations; a second run applies none', async () => {
  const fresh = Object.fromEntries(
    ['user', 'product', 'review', 'cart', 'order'].map((name) => [`${name.toUpperCase()}_DATABASE_URL`, urlOf(`test_${id}_fresh_${name}`)]),
  );
  created.push(...Object.values(fresh));
  const migrate = JOBS.find((job) => job.name === 'migrate')!;
  const first = await run(process.execPath, nodeArgs(migrate, 'dist'), { cwd: ROOT, env: { PATH: process.env.PATH, ...fresh } });
  expect(first.stdout).toMatch(/^order\s+\S+\s+[1-9]\d* migration\(s\) applied/m);
  const client = new Client({ connectionString: fresh.ORDER_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL');
    expect(Number(rows[0]!.count)).toBeGreaterThan(0);
  } finally {
    await client.end();
  }
  const second = await run(process.execPath, nodeArgs(migrate, 'dist'), { cwd: ROOT, env: { PATH: process.env.PATH, ...fresh } });
  expect(second.stdout.match(/0 migration\(s\) applied \(up to date\)/g)).toHaveLength(5);
});
