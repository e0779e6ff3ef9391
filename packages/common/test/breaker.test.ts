import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import {
  Breaker,
  CircuitOpenError,
  CircuitTimeoutError,
  ServiceCallError,
  createLogger,
  createServiceClient,
  isServiceFailure,
  type BreakerSettings,
} from '../src';

/**
 * A real HTTP dependency whose behaviour the test switches: `ok` answers GraphQL data, `down`
 * answers 503, `notFound` answers a domain error, `hang` never answers. Counts the requests it got.
 */
async function dependency() {
  let mode: 'ok' | 'down' | 'notFound' | 'hang' = 'ok';
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    if (mode === 'hang') return;
    res.setHeader('content-type', 'application/json');
    if (mode === 'down') return res.writeHead(503).end('{}');
    if (mode === 'notFound')
      return res.end(JSON.stringify({ errors: [{ message: 'no such product', extensions: { code: 'NOT_FOUND' } }] }));
    res.end(JSON.stringify({ data: { ok: true } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    set: (m: typeof mode) => (mode = m),
    hits: () => hits,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const SETTINGS: BreakerSettings = {
  // Generous: a loaded machine must not turn a healthy call into a timeout (the hang test sets its own).
  timeoutMs: 5_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  rollingWindowMs: 10_000,
  resetMs: 300,
  retries: 1,
  retryBackoffMs: 10,
};

async function metricValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = register.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dep: Awaited<ReturnType<typeof dependency>>;
const breakers: Breaker[] = [];
beforeEach(async () => {
  dep = await dependency();
});
afterEach(async () => {
  breakers.splice(0).forEach((b) => b.shutdown());
  await dep.close();
});

function client(name: string, settings: BreakerSettings = SETTINGS) {
  const breaker = new Breaker({ name, settings, logger: createLogger('test', 'silent'), isFailure: isServiceFailure });
  breakers.push(breaker);
  return { breaker, client: createServiceClient({ url: dep.url, service: 'test', secret: 'x'.repeat(32), breaker }) };
}

test('the breaker opens on failures, fails fast while open, then half-opens and closes once the dependency answers', async () => {
  const { breaker, client: c } = client('opens-closes');
  const opened = (await metricValue('commerce_circuit_breaker_transitions_total', { breaker: 'opens-closes', state: 'open' })) ?? 0;
  await expect(c.request('{ ok }')).resolves.toEqual({ ok: true });
  expect(await metricValue('commerce_circuit_breaker_state', { breaker: 'opens-closes' })).toBe(0);

  dep.set('down');
  // Each failing call is tried twice (retries: 1); the breaker opens once the volume is reached.
  await expect(c.request('{ ok }')).rejects.toBeInstanceOf(ServiceCallError);
  await expect(c.request('{ ok }')).rejects.toBeInstanceOf(ServiceCallError);
  expect(breaker.state).toBe('open');
  expect(await metricValue('commerce_circuit_breaker_state', { breaker: 'opens-closes' })).toBe(2);
  expect(await metricValue('commerce_circuit_breaker_transitions_total', { breaker: 'opens-closes', state: 'open' })).toBe(opened + 1);

  // Open: refused without reaching the dependency, with a hint of when to come back.
  const hitsWhenOpened = dep.hits();
  const refusal = await c.request('{ ok }').catch((err: unknown) => err);
  expect(refusal).toBeInstanceOf(CircuitOpenError);
  expect((refusal as CircuitOpenError).code).toBe('SERVICE_UNAVAILABLE');
  expect((refusal as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(SETTINGS.resetMs);
  expect(dep.hits()).toBe(hitsWhenOpened);

  // After resetMs one trial call goes through; a failing trial opens it again.
  await wait(SETTINGS.resetMs + 50);
  expect(breaker.state).toBe('half-open');
  expect(await metricValue('commerce_circuit_breaker_state', { breaker: 'opens-closes' })).toBe(1);
  await expect(c.request('{ ok }')).rejects.toBeInstanceOf(ServiceCallError);
  expect(breaker.state).toBe('open');
  expect(dep.hits()).toBe(hitsWhenOpened + 1);

  // The dependency recovers: the next trial closes the breaker and calls flow again.
  dep.set('ok');
  await wait(SETTINGS.resetMs + 50);
  await expect(c.request('{ ok }')).resolves.toEqual({ ok: true });
  expect(breaker.state).toBe('closed');
  expect(await metricValue('commerce_circuit_breaker_state', { breaker: 'opens-closes' })).toBe(0);
  await expect(c.request('{ ok }')).resolves.toEqual({ ok: true });
});

test('a failed idempotent call is retried a bounded number of times; a domain answer is neither retried nor a failure', async () => {
  const { breaker, client: c } = client('retries', { ...SETTINGS, retries: 2, volumeThreshold: 100 });
  dep.set('down');
  await expect(c.request('{ ok }')).rejects.toBeInstanceOf(ServiceCallError);
  expect(dep.hits()).toBe(3);

  dep.set('notFound');
  for (let i = 0; i < 10; i++) {
    await expect(c.request('{ ok }')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }
  expect(dep.hits()).toBe(3 + 10);
  expect(breaker.state).toBe('closed');
});

test('a hung dependency costs timeoutMs per try, then a CircuitTimeoutError; hangs open the breaker', async () => {
  const { breaker, client: c } = client('hangs', { ...SETTINGS, timeoutMs: 500, retries: 0, volumeThreshold: 2 });
  dep.set('hang');
  const first = await c.request('{ ok }').catch((err: unknown) => err);
  expect(first).toBeInstanceOf(CircuitTimeoutError);
  await expect(c.request('{ ok }')).rejects.toBeInstanceOf(CircuitTimeoutError);
  expect(breaker.state).toBe('open');
  await expect(c.request('{ ok }')).rejects.toBeInstanceOf(CircuitOpenError);
});
