import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { SUBGRAPHS, templateUrls } from '../support/databases';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';
import { PrivatePostgres, expectConsistent, fire, freePort, prepareBurst } from './support/chaos';

/**
 * Chaos suite, (a): PostgreSQL restarts while a burst of checkouts runs. The stack's five
 * databases live on a PostgreSQL of the test's own (copies of this run's templates), so the
 * restart disturbs no other suite. While it is down the gateway's readiness reports the
 * subgraphs unready; pools reconnect; afterwards every invariant of the burst holds exactly.
 */

let pg: PrivatePostgres;
let dir: string;
let stack: Stack;
let catalog: Catalog;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'commerce-chaos-pg-'));
  pg = new PrivatePostgres(await freePort(), dir);
  pg.init();
  pg.start();
  // Templates were built on the shared server by global-setup; copy them, then point the stack here.
  const templates = templateUrls(process.env.TEST_RUN_ID!);
  for (const s of SUBGRAPHS) pg.copyDatabase(templates[s], new URL(templates[s]).pathname.slice(1));
  for (const s of SUBGRAPHS) {
    const name = `${s.toUpperCase()}_DATABASE_URL`;
    saved[name] = process.env[name];
    process.env[name] = pg.url.replace(/\/postgres$/, `/commerce_${s}`);
  }
  [stack, catalog] = await Promise.all([
    startStack({ reconciler: { intervalMs: 500, recheckAfterMs: 3_000, pendingMaxAgeMs: 10 * 60_000 } }),
    loadCatalog(),
  ]);
  await stack.startWorkers();
});
afterAll(async () => {
  await stack?.close().catch(() => undefined);
  try {
    pg?.stop('immediate');
  } catch {
    // Already stopped.
  }
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

const orderReadiness = async () => {
  const response = await fetch(new URL('/health/ready', stack.gateway.url)).catch(() => undefined);
  return response
    ? ((await response.json()) as { checks: Record<string, { status: string }> }).checks['subgraph:order']?.status
    : undefined;
};

test('(a) PostgreSQL restarts mid-burst: readiness shows it, and every order still ends consistent', async () => {
  const burst = await prepareBurst(stack, catalog, 90, 24, 9);
  expect(await orderReadiness()).toBe('ok');
  await fire(stack, burst, 0, 24);
  pg.stop('fast');
  await eventually(async () => ((await orderReadiness()) === 'down' ? true : undefined), 'readiness to report the order subgraph down');
  pg.start();
  await eventually(async () => ((await orderReadiness()) === 'ok' ? true : undefined), 'readiness to report the order subgraph up');
  await expectConsistent(stack, burst);
});
