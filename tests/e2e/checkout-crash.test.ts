import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createServiceClient } from '@commerce/common';
import * as order from '@commerce/order';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { orderProbes, type OrderProbes } from '../support/orders';
import { checkout, customerTokens, fillCart } from '../support/shoppers';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';
import { spawnProcess, type WorkerProcess } from '../support/worker-process';

// Crash recovery with real worker processes: kill -9 mid-saga, SIGTERM mid-job, Redis losing its
// data, and orders left PENDING. The checkout worker runs as a child process here (what
// `npm run worker:checkout` starts); the notification worker runs in the test process.

let stack: Stack;
let probe: OrderProbes;
let catalog: Catalog;
const running: WorkerProcess[] = [];

beforeAll(async () => {
  [stack, catalog] = await Promise.all([
    startStack({ reconciler: { intervalMs: 250, recheckAfterMs: 500, pendingMaxAgeMs: 10 * 60_000 } }),
    loadCatalog(),
  ]);
  probe = orderProbes(stack);
});
afterAll(async () => {
  for (const w of running) w.child.kill('SIGKILL');
  await Promise.all(running.map((w) => w.exited));
  await stack?.close();
});

async function checkoutWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = await spawnProcess(
    'checkout-worker',
    stack.processEnv({ LOG_LEVEL: 'info', CHECKOUT_LOCK_MS: '2000', RECONCILE_INTERVAL_MS: '60000', ...env }),
  );
  running.push(worker);
  return worker;
}

const db = () => stack.db;
const statusOf = async (id: string) => (await db().order.order.findUniqueOrThrow({ where: { id } })).status;
const settled = async (id: string) => (await probe.settled(id)).status;

test('Redis loses its data right after checkout (FLUSHALL): the reconciler re-enqueues the job and the order completes', async () => {
  const [shopper] = await customerTokens(catalog, 0, 1);
  await fillCart(stack, shopper!.token, [{ productId: 60, quantity: 1 }]);
  const id = await checkout(stack, shopper!.token, 'flushed');
  await eventually(async () => ((await probe.checkoutMessage(id)).status === 'DISPATCHED' ? true : undefined), 'the job in Redis');
  // FLUSHALL of this stack's keys (other suites share the server, so not the real command): the queued job is gone.
  const keys = await stack.redis.keys(`${stack.redisPrefix}:*`);
  expect(keys.length).toBeGreaterThan(0);
  await stack.redis.del(...keys);
  expect(await probe.checkoutJob(id)).toBeUndefined();

  const worker = await checkoutWorker();
  expect(await settled(id)).toBe('CONFIRMED');
  expect(await probe.ledger(id)).toEqual(['AUTHORIZE', 'CAPTURE']);
  worker.child.kill('SIGTERM');
  expect((await worker.exited).code).toBe(0);
});

test('kill -9 of a worker in the middle of a saga: another worker finishes it; one order, one capture, one email', async () => {
  await stack.startWorkers({ checkout: false });
  const [, shopper] = await customerTokens(catalog, 0, 2);
  const PRODUCT = 61;
  const before = await probe.stockOf(PRODUCT);
  await fillCart(stack, shopper!.token, [{ productId: PRODUCT, quantity: 2 }]);

  // Slow payment calls keep the saga between authorization and capture long enough to kill it there.
  const doomed = await checkoutWorker({ PAYMENT_SIMULATED_LATENCY_MS: '1500' });
  const id = await checkout(stack, shopper!.token, 'crash');
  await eventually(async () => ((await probe.ledger(id)).includes('AUTHORIZE') ? true : undefined), 'the authorization');
  doomed.child.kill('SIGKILL');
  expect((await doomed.exited).signal).toBe('SIGKILL');
  expect(await statusOf(id)).toBe('PENDING');

  const rescuer = await checkoutWorker();
  expect(await settled(id)).toBe('CONFIRMED');
  expect(await probe.ledger(id)).toEqual(['AUTHORIZE', 'CAPTURE']);
  expect(await probe.stockOf(PRODUCT)).toBe(before - 2);
  expect(await db().order.order.count({ where: { idempotencyKey: 'crash', userId: shopper!.userId } })).toBe(1);
  await eventually(
    async () => (await db().user.notification.findUnique({ where: { key: `order:${id}:CONFIRMED` } })) ?? undefined,
    'the email',
  );
  expect(rescuer.output()).toContain('stalled');
  const orderNumber = id.slice(0, 8).toUpperCase();
  const mails = await Promise.all((await readdir(stack.mailDir)).map((f) => readFile(path.join(stack.mailDir, f), 'utf8')));
  expect(mails.filter((m) => m.includes(orderNumber) && /confirmed/i.test(m))).toHaveLength(1);
  rescuer.child.kill('SIGTERM');
  await rescuer.exited;
});

test('SIGTERM during a job: the worker finishes the job, then exits cleanly with nothing stalled', async () => {
  const [, , shopper] = await customerTokens(catalog, 0, 3);
  await fillCart(stack, shopper!.token, [{ productId: 62, quantity: 1 }]);
  const worker = await checkoutWorker({ PAYMENT_SIMULATED_LATENCY_MS: '1000' });
  const id = await checkout(stack, shopper!.token, 'sigterm');
  await eventually(async () => ((await probe.ledger(id)).includes('AUTHORIZE') ? true : undefined), 'the authorization');
  worker.child.kill('SIGTERM');
  const { code } = await worker.exited;
  expect(code).toBe(0);
  // Already confirmed when the process was gone: the active job completed before shutdown.
  expect(await statusOf(id)).toBe('CONFIRMED');
  const job = await probe.checkoutJob(id);
  expect(await job!.getState()).toBe('completed');
  expect(job!.stalledCounter).toBe(0);
  expect(worker.output()).not.toContain('stalled');
});

test('a PENDING order older than the maximum age is failed and what it held is released', async () => {
  const [, , , shopper] = await customerTokens(catalog, 0, 4);
  const PRODUCT = 63;
  const before = await probe.stockOf(PRODUCT);
  await fillCart(stack, shopper!.token, [{ productId: PRODUCT, quantity: 3 }]);
  // No checkout worker is running: the order stays PENDING. A worker that reserved stock and died
  // for good is what the sweep is for, so reserve as that worker would have.
  const id = await checkout(stack, shopper!.token, 'abandoned');
  const product = createServiceClient({ url: stack.processEnv().PRODUCT_SUBGRAPH_URL!, service: 'test', secret: INTERNAL_SECRET });
  await product.request('mutation($id: ID!) { reserveStock(orderId: $id, lines: [{ productId: "63", quantity: 3 }]) { ok } }', { id });
  expect(await probe.stockOf(PRODUCT)).toBe(before - 3);

  const sweeper = new order.Reconciler(stack.db.order, stack.orderServices.queues, stack.orderServices.checkout, stack.logger, {
    intervalMs: 60_000,
    recheckAfterMs: 60_000,
    pendingMaxAgeMs: 0,
    batchSize: 100,
  });
  const result = await sweeper.runOnce();
  expect(result.expired).toBeGreaterThanOrEqual(1);
  expect(await db().order.order.findUniqueOrThrow({ where: { id } })).toMatchObject({
    status: 'FAILED',
    failureReason: 'CHECKOUT_TIMEOUT',
  });
  // The compensation job (through the outbox) gives the stock back once a worker runs.
  const worker = await checkoutWorker();
  await eventually(async () => ((await probe.stockOf(PRODUCT)) === before ? true : undefined), 'the stock back');
  expect(await probe.ledger(id)).toEqual([]);
  worker.child.kill('SIGTERM');
  await worker.exited;
});
