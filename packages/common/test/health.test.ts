import { setTimeout as sleep } from 'node:timers/promises';
import { HealthRegistry, createLogger, createRedis, redisCheck, startHealthListener } from '../src';

/** The readiness registry on its own: timeouts, concurrency, the cache, shutdown; and the bare listener. */

test('checks run concurrently, each under its timeout: a hung one is down with the reason, the others ok', async () => {
  const health = new HealthRegistry({ timeoutMs: 200, cacheMs: 0 })
    .register('fast', async () => undefined)
    .register('hung', () => new Promise<void>(() => undefined))
    .register('slow', () => sleep(150).then(() => undefined))
    .register('broken', async () => {
      throw new Error('connection refused');
    });
  const started = performance.now();
  const report = await health.readiness();
  // One timeout, not the sum of them: they ran side by side.
  expect(performance.now() - started).toBeLessThan(390);
  expect(report).toEqual({
    status: 'unavailable',
    checks: {
      fast: { status: 'ok', latencyMs: expect.any(Number) },
      hung: { status: 'down', latencyMs: expect.any(Number), error: 'timed out after 200 ms' },
      slow: { status: 'ok', latencyMs: expect.any(Number) },
      broken: { status: 'down', latencyMs: expect.any(Number), error: 'connection refused' },
    },
  });
  expect(report.checks.hung!.latencyMs).toBeGreaterThanOrEqual(195);
  expect(report.checks.slow!.latencyMs).toBeGreaterThanOrEqual(145);
});

test('the timeout aborts the check’s signal, so a check can cancel its own request', async () => {
  let aborted = false;
  const health = new HealthRegistry({ timeoutMs: 50 }).register('hung', (signal) => {
    signal.addEventListener('abort', () => (aborted = true));
    return new Promise<void>(() => undefined);
  });
  await health.readiness();
  expect(aborted).toBe(true);
});

test('a report is reused for cacheMs: concurrent and repeated probes share one run, the next one runs again', async () => {
  let calls = 0;
  const health = new HealthRegistry({ cacheMs: 300 }).register('counted', async () => {
    calls += 1;
    await sleep(20);
  });
  const reports = await Promise.all(Array.from({ length: 50 }, () => health.readiness()));
  expect(reports.every((r) => r.status === 'ok')).toBe(true);
  await health.readiness();
  expect({ calls, runs: health.runs }).toEqual({ calls: 1, runs: 1 });
  await sleep(320);
  await health.readiness();
  expect({ calls, runs: health.runs }).toEqual({ calls: 2, runs: 2 });
  expect(health.last?.status).toBe('ok');
});

test('after startShutdown readiness is shutting_down at once, without running the checks, even over a fresh cache', async () => {
  let calls = 0;
  const health = new HealthRegistry({ cacheMs: 60_000 }).register('counted', async () => void (calls += 1));
  expect((await health.readiness()).status).toBe('ok');
  health.startShutdown();
  expect(await health.readiness()).toEqual({ status: 'shutting_down', checks: {} });
  expect(calls).toBe(1);
  expect(health.shuttingDown).toBe(true);
});

test('a name registered twice is a programming error', () => {
  const health = new HealthRegistry().register('redis', async () => undefined);
  expect(() => health.register('redis', async () => undefined)).toThrow('health check redis registered twice');
});

test('the Redis check fails at once on a connection that is not ready, and passes on a real one', async () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const up = createRedis(url, 'health-test-up');
  // A connection that was lost for good (status `end`): a PING on it would never be answered.
  const down = createRedis(url, 'health-test-down');
  try {
    await Promise.all([up.ping(), down.ping()]);
    const ended = new Promise((resolve) => down.once('end', resolve));
    down.disconnect();
    await ended;
    const health = new HealthRegistry({ timeoutMs: 5_000 }).register('down', redisCheck(down)).register('up', redisCheck(up));
    const started = performance.now();
    const report = await health.readiness();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(report.checks.up!.status).toBe('ok');
    expect(report.checks.down).toEqual({
      status: 'down',
      latencyMs: expect.any(Number),
      error: expect.stringMatching(/^Redis connection not ready/),
    });
  } finally {
    await up.quit();
  }
});

test('the bare listener serves live, ready (200/503 with the report), the /health alias, HEAD, and nothing else', async () => {
  let ok = true;
  const health = new HealthRegistry({ cacheMs: 0 }).register('flag', async () => {
    if (!ok) throw new Error('flag off');
  });
  const listener = await startHealthListener(health, 0, '127.0.0.1', createLogger('health-test', 'silent'));
  try {
    const get = async (path: string, method = 'GET') => {
      const response = await fetch(`${listener.url}${path}`, { method });
      return { status: response.status, body: method === 'HEAD' ? await response.text() : await response.json() };
    };
    expect(await get('/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get('/ready')).status).toBe(200);
    ok = false;
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { flag: { status: 'down', latencyMs: expect.any(Number), error: 'flag off' } } },
    });
    expect(await get('/ready', 'HEAD')).toEqual({ status: 503, body: '' });
    expect((await get('/ready?verbose=1')).status).toBe(503);
    expect((await get('/live', 'DELETE')).status).toBe(405);
    expect((await fetch(listener.url.replace('/health', '/metrics'))).status).toBe(404);
  } finally {
    await listener.close();
  }
});

test('a dependency registered with required: false is reported (marked) but does not decide readiness', async () => {
  const health = new HealthRegistry()
    .register('redis', async () => undefined)
    .register(
      'optional',
      async () => {
        throw new Error('HTTP 503 unavailable (postgres down)');
      },
      { required: false },
    );
  expect(await health.readiness()).toEqual({
    status: 'ok',
    checks: {
      redis: { status: 'ok', latencyMs: expect.any(Number) },
      optional: { status: 'down', latencyMs: expect.any(Number), error: 'HTTP 503 unavailable (postgres down)', required: false },
    },
  });
});

test('a run slower than cacheMs is shared by the probes that arrive while it lasts: never two at once', async () => {
  let running = 0;
  let most = 0;
  const health = new HealthRegistry({ cacheMs: 10, timeoutMs: 1_000 }).register('slow', async () => {
    running += 1;
    most = Math.max(most, running);
    await sleep(100);
    running -= 1;
  });
  const probes = [];
  for (let i = 0; i < 10; i++) {
    probes.push(health.readiness());
    await sleep(15);
  }
  await Promise.all(probes);
  expect(most).toBe(1);
  expect(health.runs).toBeLessThan(probes.length);
});
