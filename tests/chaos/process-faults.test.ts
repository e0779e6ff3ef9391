import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { CHECKOUT } from '../support/shoppers';
import { startStack, type Stack } from '../support/stack';
import { breakerGauge, expectConsistent, fire, prepareBurst, startChaosDeployment, type ChaosDeployment } from './support/chaos';

/**
 * Chaos suite, process faults (issue 12 item 7 (c) and (d)): while a burst of checkouts runs,
 * the product subgraph is SIGKILLed and started again, and the cart subgraph is SIGSTOPped for
 * 15 s. Both are real OS processes the checkout saga calls through its circuit breakers. While
 * the fault lasts the breaker opens (gauge 2) and the gateway's readiness reports the subgraph
 * down; checkouts wait instead of failing; afterwards every invariant of the burst holds exactly.
 */

let stack: Stack;
let catalog: Catalog;
let chaos: ChaosDeployment;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  await stack.startWorkers({ checkout: false });
  chaos = await startChaosDeployment(stack, { timeoutMs: 2_000, resetMs: 1_000, volumeThreshold: 3, retries: 1 });
});
afterAll(async () => {
  await chaos?.close();
  await stack?.close();
});

const readinessOf = async (check: string) => (await chaos.readiness()).checks[check]?.status;

test('(c) SIGKILL of the product subgraph mid-burst, then a restart: orders wait, then all end consistent', async () => {
  const burst = await prepareBurst(stack, catalog, 0, 24, 0);
  await fire(stack, burst, 0, 8);
  chaos.product.signal('SIGKILL');
  expect((await chaos.product.process!.exited).signal).toBe('SIGKILL');
  // Checkouts placed during the outage: their sagas must reserve stock on the dead subgraph.
  await fire(stack, burst, 8, 24);

  await eventually(async () => ((await breakerGauge('product')) === 'open' ? true : undefined), 'the product breaker to open');
  await eventually(async () => ((await readinessOf('subgraph:product')) === 'down' ? true : undefined), 'readiness to report product down');
  // The fault made orders wait, not fail.
  expect(
    await stack.db.order.order.count({ where: { id: { in: burst.ids }, status: 'FAILED', failureReason: { not: 'PAYMENT_DECLINED' } } }),
  ).toBe(0);
  expect(await stack.db.order.order.count({ where: { id: { in: burst.ids }, status: 'PENDING' } })).toBeGreaterThan(0);
  // A shopper retrying their checkout during the outage gets the same order back.
  const retried = await stack.gql<{ checkout: { order: { id: string } } }>(
    CHECKOUT,
    { key: burst.plan[10]!.key, token: burst.plan[10]!.paymentToken },
    burst.plan[10]!.token,
  );
  expect(retried.data?.checkout.order.id).toBe(burst.ids[10]);

  await chaos.product.start();
  await eventually(async () => ((await breakerGauge('product')) === 'closed' ? true : undefined), 'the product breaker to close');
  await eventually(async () => ((await readinessOf('subgraph:product')) === 'ok' ? true : undefined), 'readiness to report product up');
  await expectConsistent(stack, burst);
});

test('(d) SIGSTOP of the cart subgraph for 15 s, then SIGCONT: no hang at the gateway, orders wait, then all end consistent', async () => {
  const burst = await prepareBurst(stack, catalog, 30, 24, 3);
  await fire(stack, burst, 0, 8);
  chaos.cart.signal('SIGSTOP');
  const stoppedAt = Date.now();
  try {
    await fire(stack, burst, 8, 24);
    await eventually(async () => ((await breakerGauge('cart')) === 'open' ? true : undefined), 'the cart breaker to open');
    await eventually(async () => ((await readinessOf('subgraph:cart')) === 'down' ? true : undefined), 'readiness to report cart down');
    // The hung subgraph costs its own fields only: the gateway answers with a coded error, not a hang.
    const partial = await stack.gql<{ me: { id: string; cart: unknown } | null }>(
      '{ me { id cart { totalQuantity } } }',
      {},
      burst.plan[0]!.token,
      chaos.gateway,
    );
    expect(partial.errors?.map((e) => e.extensions?.code)).toContain('SUBGRAPH_UNAVAILABLE');
    expect(
      await stack.db.order.order.count({ where: { id: { in: burst.ids }, status: 'FAILED', failureReason: { not: 'PAYMENT_DECLINED' } } }),
    ).toBe(0);
    await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (Date.now() - stoppedAt))));
  } finally {
    chaos.cart.signal('SIGCONT');
  }
  await eventually(async () => ((await breakerGauge('cart')) === 'closed' ? true : undefined), 'the cart breaker to close');
  await eventually(async () => ((await readinessOf('subgraph:cart')) === 'ok' ? true : undefined), 'readiness to report cart up');
  await expectConsistent(stack, burst);
});
