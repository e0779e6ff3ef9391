import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';
import { PrivateRedis, expectConsistent, fire, freePort, prepareBurst } from './support/chaos';

/**
 * Chaos suite, (b): Redis restarts (AOF on, as in docker-compose.yml) while a burst of checkouts
 * runs. The stack uses a Redis of its own so the restart disturbs no other suite. While Redis is
 * down the gateway's readiness reports it; commands wait in ioredis's queue and the outbox keeps
 * what could not be enqueued; afterwards every invariant of the burst holds exactly.
 */

let redis: PrivateRedis;
let dir: string;
let stack: Stack;
let catalog: Catalog;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'commerce-chaos-redis-'));
  redis = new PrivateRedis(await freePort(), dir);
  await redis.start();
  process.env.REDIS_URL = redis.url;
  [stack, catalog] = await Promise.all([
    startStack({ reconciler: { intervalMs: 500, recheckAfterMs: 3_000, pendingMaxAgeMs: 10 * 60_000 } }),
    loadCatalog(),
  ]);
  await stack.startWorkers();
});
afterAll(async () => {
  await stack?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const redisReadiness = async () => {
  const response = await fetch(new URL('/health/ready', stack.gateway.url)).catch(() => undefined);
  return response ? ((await response.json()) as { checks: Record<string, { status: string }> }).checks.redis?.status : undefined;
};

test('(b) Redis restarts mid-burst: readiness shows it, and every order still ends consistent', async () => {
  const burst = await prepareBurst(stack, catalog, 60, 24, 6);
  expect(await redisReadiness()).toBe('ok');
  await fire(stack, burst, 0, 24);
  await redis.stop('SIGTERM');
  await eventually(async () => ((await redisReadiness()) === 'down' ? true : undefined), 'readiness to report Redis down');
  // Down long enough for the relay, the workers and the readiness probes to notice.
  await new Promise((r) => setTimeout(r, 3_000));
  await redis.start();
  await eventually(async () => ((await redisReadiness()) === 'ok' ? true : undefined), 'readiness to report Redis up');
  await expectConsistent(stack, burst);
});
