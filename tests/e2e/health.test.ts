import { Client } from 'pg';
import { createRedis, type ReadinessReport, type Redis, type RunningServer } from '@commerce/common';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import * as product from '@commerce/product';
import { templateUrls, urlOf, serverUrl } from '../support/databases';
import { eventually } from '../support/eventually';
import { spawnGateway } from '../support/gateway-process';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';
import { spawnProcess, type WorkerProcess } from '../support/worker-process';

/**
 * Liveness and readiness (issue 12 item 4) against real PostgreSQL, Redis and HTTP: a subgraph
 * whose database stops accepting connections goes unready and comes back, the gateway reports a
 * subgraph that is down, probes pass the perimeter (no token, no rate limit) and, on SIGTERM,
 * readiness fails first while liveness and traffic still answer.
 */

let stack: Stack;
const spawned: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  for (const p of spawned) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(spawned.map((p) => p.exited));
  await stack?.close();
});

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as ReadinessReport & Record<string, unknown> };
}
const origin = (graphqlUrl: string) => new URL(graphqlUrl).origin;

test('a subgraph answers /health/live and /health/ready without a caller token, with its dependencies in the body', async () => {
  const base = origin(stack.subgraphs.review.url);
  expect(await get(`${base}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
  // `/health` stays what it was: the process serves (an alias of live).
  expect(await get(`${base}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
  const ready = await get(`${base}/health/ready`);
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({
    status: 'ok',
    checks: {
      postgres: { status: 'ok', latencyMs: expect.any(Number) },
      redis: { status: 'ok', latencyMs: expect.any(Number) },
    },
  });
  // The cart subgraph uses no Redis, so none is checked.
  expect(Object.keys((await get(`${origin(stack.subgraphs.cart.url)}/health/ready`)).body.checks)).toEqual(['postgres']);
  // /graphql itself still refuses a request without a caller token.
  const graphql = await fetch(stack.subgraphs.review.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(graphql.status).toBe(401);
});

describe('a subgraph whose database stops accepting connections', () => {
  const name = `test_${process.env.TEST_RUN_ID}_health_${process.pid}`;
  const url = urlOf(name);
  let admin: Client;
  let redis: Redis;
  let db: product.ProductDb;
  let server: RunningServer;

  beforeAll(async () => {
    await cloneDatabase(templateUrls(process.env.TEST_RUN_ID!).product, url);
    admin = new Client({ connectionString: serverUrl().toString().replace(/\/$/, '/postgres') });
    await admin.connect();
    redis = createRedis(stack.redisUrl);
    db = product.createDb({ connectionString: url, maxConnections: 2 });
    server = await product.startProductSubgraph({
      port: 0,
      internalSecret: INTERNAL_SECRET,
      logger: stack.logger,
      db,
      redis,
      redisPrefix: stack.redisPrefix,
      healthCheckTimeoutMs: 2_000,
    });
  });
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await server?.close();
    await db?.$disconnect();
    await redis?.quit();
    await admin?.end();
    await dropDatabase(url);
  });

  test('readiness goes 503 with postgres down (liveness stays 200), and back to 200 once it accepts them again', async () => {
    const base = origin(server.url);
    // Unready until its fresh Redis connection is up, then ready.
    await eventually(async () => ((await get(`${base}/health/ready`)).status === 200 ? true : undefined), 'readiness');

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    const down = await eventually(async () => {
      const answer = await get(`${base}/health/ready`);
      return answer.status === 503 ? answer.body : undefined;
    }, 'readiness to fail');
    expect(down).toEqual({
      status: 'unavailable',
      checks: {
        postgres: { status: 'down', latencyMs: expect.any(Number), error: expect.any(String) },
        redis: { status: 'ok', latencyMs: expect.any(Number) },
      },
    });
    // One line from the driver, not Prisma's multi-line preamble or a stack trace.
    expect(down.checks.postgres!.error).toMatch(
      /^Raw query failed\. Code: `55000`\. Message: `database ".+" is not currently accepting connections`$/,
    );
    expect(await get(`${base}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    const up = await eventually(async () => {
      const answer = await get(`${base}/health/ready`);
      return answer.status === 200 ? answer.body : undefined;
    }, 'readiness to recover');
    expect(up.checks.postgres!.status).toBe('ok');
  });
});

test('the gateway is ready when Redis, the supergraph and every subgraph are; probes need no body, token or budget', async () => {
  // A budget of 2 requests a minute per address: probes do not spend it.
  const gateway = await stack.startAnotherGateway({
    rateLimits: { perUser: { points: 2, durationSeconds: 60 }, perIp: { points: 2, durationSeconds: 60 } },
  });
  const base = origin(gateway.url);
  // Unready for the moment its fresh Redis connections take to come up.
  const ready = await eventually(async () => {
    const answer = await get(`${base}/health/ready`);
    return answer.status === 200 ? answer : undefined;
  }, 'the gateway ready');
  expect(Object.keys(ready.body.checks).sort()).toEqual(
    [
      'redis',
      'redisSubscriber',
      'supergraph',
      'subgraph:cart',
      'subgraph:order',
      'subgraph:product',
      'subgraph:review',
      'subgraph:user',
    ].sort(),
  );
  expect(Object.values(ready.body.checks).every((c) => c.status === 'ok')).toBe(true);

  const statuses = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => (await fetch(`${base}/health/${i % 2 ? 'live' : 'ready'}`)).status),
  );
  expect(statuses.every((s) => s === 200)).toBe(true);
  const graphql = [];
  for (let i = 0; i < 3; i++) {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    graphql.push(response.status);
  }
  expect(graphql).toEqual([200, 200, 429]);
  await stack.stopGateway(gateway);
});

test('a probe storm at the gateway runs the checks (and so asks each subgraph) at most once a second', async () => {
  const base = origin(stack.gateway.url);
  await eventually(async () => ((await get(`${base}/health/ready`)).status === 200 ? true : undefined), 'the gateway ready');
  const before = stack.gateway.health.runs;
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(`${base}/health/ready`).then((r) => r.status)));
  const seconds = (Date.now() - started) / 1000;
  expect(answers.every((s) => s === 200)).toBe(true);
  expect(stack.gateway.health.runs - before).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
});

test('on SIGTERM the gateway process fails readiness first (shutting_down) while liveness and GraphQL still answer, then drains and exits 0', async () => {
  const gateway = await spawnGateway(stack, { SHUTDOWN_DELAY_MS: '3000', HEALTH_CHECK_TIMEOUT_MS: '5000' });
  spawned.push(gateway);
  await eventually(async () => ((await get(`${gateway.origin}/health/ready`)).status === 200 ? true : undefined), 'the gateway ready');
  gateway.child.kill('SIGTERM');
  const refused = await eventually(async () => {
    const answer = await get(`${gateway.origin}/health/ready`);
    return answer.status === 503 ? answer.body : undefined;
  }, 'readiness to fail');
  expect(refused).toEqual({ status: 'shutting_down', checks: {} });
  expect(await get(`${gateway.origin}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
  const query = await fetch(`${gateway.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ product(id: "1") { title } }' }),
  });
  expect(query.status).toBe(200);
  expect(((await query.json()) as { data?: { product?: { title: string } } }).data?.product?.title).toEqual(expect.any(String));
  expect(await gateway.exited).toEqual({ code: 0, signal: null });
  expect(gateway.output()).toMatch(/"msg":"draining"/);
  await gateway.stop();
});

test('a worker with HEALTH_PORT serves readiness (Redis, its database) and, on SIGTERM, fails it first while liveness stays 200; its listener closes last', async () => {
  const worker = await spawnProcess(
    'checkout-worker',
    stack.processEnv({
      LOG_LEVEL: 'info',
      HEALTH_PORT: '0',
      SHUTDOWN_DELAY_MS: '2000',
      RECONCILE_INTERVAL_MS: '60000',
      // A fresh process's first SELECT 1 opens its pool: on a loaded test machine that can take over the 1 s default.
      HEALTH_CHECK_TIMEOUT_MS: '5000',
    }),
  );
  spawned.push(worker);
  const line = worker
    .output()
    .split('\n')
    .find((l) => l.includes('checkout worker ready'))!;
  const health = (JSON.parse(line) as { health: string }).health;
  expect(health).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health$/);
  const ready = await eventually(async () => {
    const answer = await get(`${health}/ready`);
    return answer.status === 200 ? answer : undefined;
  }, 'the worker ready');
  expect(ready).toEqual({
    status: 200,
    body: {
      status: 'ok',
      checks: {
        redis: { status: 'ok', latencyMs: expect.any(Number) },
        postgres: { status: 'ok', latencyMs: expect.any(Number) },
        'redis:runtime': { status: 'ok', latencyMs: expect.any(Number) },
        // The circuit breakers of its dependencies: reported, never failing readiness.
        ...Object.fromEntries(
          ['cart', 'payment', 'product', 'user'].map((b) => [`breaker:${b}`, { status: 'ok', required: false, latencyMs: expect.any(Number) }]),
        ),
      },
    },
  });
  expect((await fetch(`${health}/nowhere`)).status).toBe(404);
  expect((await fetch(`${health}/ready`, { method: 'POST' })).status).toBe(405);

  worker.child.kill('SIGTERM');
  const refused = await eventually(async () => {
    const answer = await get(`${health}/ready`);
    return answer.status === 503 ? answer.body : undefined;
  }, 'readiness to fail');
  expect(refused.status).toBe('shutting_down');
  expect(await get(`${health}/live`)).toEqual({ status: 200, body: { status: 'ok' } });
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  // The listener closed last, with the process.
  await expect(fetch(`${health}/live`)).rejects.toThrow();
});

test('a subgraph process (cart) wires the same order: SIGTERM → readiness shutting_down, liveness 200, then it drains and exits 0', async () => {
  const cart = await spawnProcess(
    'cart',
    stack.processEnv({ LOG_LEVEL: 'info', CART_PORT: '0', SHUTDOWN_DELAY_MS: '2000', HEALTH_CHECK_TIMEOUT_MS: '5000' }),
  );
  spawned.push(cart);
  const line = cart
    .output()
    .split('\n')
    .find((l) => l.includes('cart subgraph ready'))!;
  const base = origin((JSON.parse(line) as { url: string }).url);
  const ready = await eventually(async () => {
    const answer = await get(`${base}/health/ready`);
    return answer.status === 200 ? answer : undefined;
  }, 'the cart subgraph ready');
  expect(ready.body).toEqual({ status: 'ok', checks: { postgres: { status: 'ok', latencyMs: expect.any(Number) } } });
  cart.child.kill('SIGTERM');
  const refused = await eventually(async () => {
    const answer = await get(`${base}/health/ready`);
    return answer.status === 503 ? answer.body : undefined;
  }, 'readiness to fail');
  expect(refused.status).toBe('shutting_down');
  expect((await get(`${base}/health/live`)).status).toBe(200);
  expect(await cart.exited).toEqual({ code: 0, signal: null });
});

test('HEALTH_PORT is validated with the rest of a worker’s environment: a bad one stops it at start-up', async () => {
  await expect(spawnProcess('checkout-worker', stack.processEnv({ HEALTH_PORT: 'eighty' }))).rejects.toThrow(
    /HEALTH_PORT/,
  );
});

test('the gateway reports a subgraph that is down (503, that subgraph down, the others ok) and stays live', async () => {
  // Last: it stops the review subgraph of this suite's stack.
  await stack.subgraphs.review.close();
  const base = origin(stack.gateway.url);
  const report = await eventually(async () => {
    const answer = await get(`${base}/health/ready`);
    return answer.status === 503 ? answer.body : undefined;
  }, 'the gateway to notice');
  expect(report.status).toBe('unavailable');
  expect(report.checks['subgraph:review']).toEqual({ status: 'down', latencyMs: expect.any(Number), error: 'fetch failed (ECONNREFUSED)' });
  const others = Object.entries(report.checks).filter(([name]) => name !== 'subgraph:review');
  expect(others.every(([, c]) => c.status === 'ok')).toBe(true);
  expect(await get(`${base}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });

  // GATEWAY_READINESS_SUBGRAPHS=reported: the same report, but only Redis and the supergraph decide readiness.
  const lenient = await stack.startAnotherGateway({ subgraphReadiness: 'reported' });
  const lenientReport = await get(`${origin(lenient.url)}/health/ready`);
  expect(lenientReport.status).toBe(200);
  expect(lenientReport.body.status).toBe('ok');
  expect(lenientReport.body.checks['subgraph:review']).toEqual({
    status: 'down',
    latencyMs: expect.any(Number),
    error: expect.any(String),
    required: false,
  });
  expect(lenientReport.body.checks.redis).toEqual({ status: 'ok', latencyMs: expect.any(Number) });
});
