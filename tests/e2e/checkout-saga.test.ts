import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { orderProbes, type OrderProbes } from '../support/orders';
import { CHECKOUT, checkout, customerTokens, fillCart, forEachLimited, shopperCount } from '../support/shoppers';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

// The checkout saga against real PostgreSQL, Redis, BullMQ workers and HTTP: stock, payments,
// idempotency, and the order lifecycle after confirmation.

let stack: Stack;
let probe: OrderProbes;
let catalog: Catalog;
let adminToken: string;
const clients: Client[] = [];

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack({ paymentTimeoutMs: 200 }), loadCatalog()]);
  await stack.startWorkers({ checkoutConcurrency: 20 });
  const admin = catalog.users.find((u) => u.role === 'admin')!;
  adminToken = await mintAccessToken({ userId: admin.id, role: 'ADMIN' });
  probe = orderProbes(stack);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.close();
});

const db = () => stack.db;

// Up to 200 shoppers (the vendored catalog has 200 non-admin users); the expectations follow the seed.
test('200 concurrent checkouts of a product with stock 10: exactly 10 CONFIRMED and captured, 190 OUT_OF_STOCK, stock 0', async () => {
  const PRODUCT = catalog.products[11]!.id;
  const STOCK = 10;
  const n = shopperCount(catalog, 200);
  expect(n).toBeGreaterThan(STOCK);
  await db().product.product.update({ where: { id: PRODUCT }, data: { stock: STOCK } });
  const shoppers = await customerTokens(catalog, 0, n);
  await forEachLimited(shoppers, 10, (s) => fillCart(stack, s.token, [{ productId: PRODUCT, quantity: 1 }]));

  const ids = await Promise.all(shoppers.map((s) => checkout(stack, s.token, 'stampede')));
  const orders = await probe.allSettled(ids);

  const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
  expect(confirmed).toHaveLength(STOCK);
  expect(confirmed.every((o) => o.payment?.status === 'CAPTURED' && o.payment.amountCents === o.totalCents)).toBe(true);
  const failed = orders.filter((o) => o.status === 'FAILED');
  expect(failed).toHaveLength(n - STOCK);
  expect(new Set(failed.map((o) => o.failureReason))).toEqual(new Set(['OUT_OF_STOCK']));
  expect(await probe.stockOf(PRODUCT)).toBe(0);
  // Payments were only attempted for orders that had stock: 10 holds, 10 captures in all.
  const ops = await db().order.simulatedPaymentOperation.groupBy({
    by: ['kind'],
    where: { intent: { idempotencyKey: { in: ids.map((id) => `authorize-${id}`) } } },
    _count: true,
  });
  expect(Object.fromEntries(ops.map((o) => [o.kind, o._count]))).toEqual({ AUTHORIZE: STOCK, CAPTURE: STOCK });
}, 300_000);

test('carts {A,B} and {B,A} checked out concurrently 100 times each: all confirmed, no deadlock', async () => {
  const [A, B] = [catalog.products[19]!.id, catalog.products[20]!.id];
  const STOCK = 1000;
  await db().product.product.updateMany({ where: { id: { in: [A, B] } }, data: { stock: STOCK } });
  const shoppers = await customerTokens(catalog, 0, shopperCount(catalog, 200));
  await forEachLimited(shoppers, 10, (s, i) =>
    fillCart(
      stack,
      s.token,
      i % 2 === 0
        ? [
            { productId: A, quantity: 1 },
            { productId: B, quantity: 1 },
          ]
        : [
            { productId: B, quantity: 1 },
            { productId: A, quantity: 1 },
          ],
    ),
  );
  const ids = await Promise.all(shoppers.map((s, i) => checkout(stack, s.token, `pair-${i}`)));
  const orders = await probe.allSettled(ids);
  expect(orders.filter((o) => o.status !== 'CONFIRMED').map((o) => o.failureReason)).toEqual([]);
  // Every shopper bought one of each.
  expect(await probe.stockOf(A)).toBe(STOCK - shoppers.length);
  expect(await probe.stockOf(B)).toBe(STOCK - shoppers.length);
}, 300_000);

test('a declined card: FAILED with PAYMENT_DECLINED, stock restored, nothing captured, not retried', async () => {
  const [shopper] = await customerTokens(catalog, 0, 1);
  const PRODUCT = 30;
  const before = await probe.stockOf(PRODUCT);
  await fillCart(stack, shopper!.token, [{ productId: PRODUCT, quantity: 2 }]);
  const id = await checkout(stack, shopper!.token, 'declined', 'tok_chargeDeclined');
  const order = await probe.settled(id);
  expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' });
  expect(order.payment).toMatchObject({ status: 'DECLINED', provider: 'simulated' });
  await probe.released(id);
  expect(await probe.stockOf(PRODUCT)).toBe(before);
  expect(await probe.ledger(id)).toEqual(['AUTHORIZE']);
  // The checkout job ran once: a decline is final (UnrecoverableError is not even needed; the saga ends normally).
  const job = await probe.checkoutJob(id);
  expect(job?.attemptsMade).toBe(1);
  // The cart was not consumed: the shopper can pay with another card.
  const cart = await stack.gql<{ cart: { totalQuantity: number } }>('{ cart { totalQuantity } }', {}, shopper!.token);
  expect(cart.data!.cart.totalQuantity).toBe(2);
});

test('a provider timeout is retried with backoff, then fails cleanly: PAYMENT_TIMEOUT, hold voided, stock restored', async () => {
  const [, shopper] = await customerTokens(catalog, 0, 2);
  const PRODUCT = 31;
  const before = await probe.stockOf(PRODUCT);
  await fillCart(stack, shopper!.token, [{ productId: PRODUCT, quantity: 1 }]);
  const id = await checkout(stack, shopper!.token, 'timeout', 'tok_timeout');
  const order = await probe.settled(id);
  expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_TIMEOUT' });
  const job = await probe.checkoutJob(id);
  expect(job?.attemptsMade).toBe(job?.opts.attempts);
  expect(job?.opts.attempts).toBeGreaterThanOrEqual(3);
  await probe.released(id);
  expect(await probe.stockOf(PRODUCT)).toBe(before);
  // The provider took the hold although its answers were lost; compensation found and voided it.
  await eventually(async () => ((await probe.ledger(id)).includes('VOID') ? true : undefined), 'the void');
  expect(await probe.ledger(id)).toEqual(['AUTHORIZE', 'VOID']);
  const payment = await eventually(async () => {
    const p = await db().order.payment.findUnique({ where: { orderId: id } });
    return p?.status === 'VOIDED' ? p : undefined;
  }, 'payment VOIDED');
  expect(payment.amountCents).toBeGreaterThan(0);
});

test('idempotency (Stripe semantics): 50 parallel requests with one key make one order and one authorization; another cart or card with the key is refused', async () => {
  const [, , shopper] = await customerTokens(catalog, 0, 3);
  const token = shopper!.token;
  await fillCart(stack, token, [{ productId: 40, quantity: 1 }]);
  const results = await Promise.all(
    Array.from({ length: 50 }, () => stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'k-50', token: null }, token)),
  );
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
  const ids = new Set(results.map((r) => r.data!.checkout.order.id));
  expect(ids.size).toBe(1);
  const [id] = [...ids];
  expect(await db().order.order.count({ where: { userId: shopper!.userId, idempotencyKey: 'k-50' } })).toBe(1);
  expect(await probe.settled(id!)).toMatchObject({ status: 'CONFIRMED' });
  expect(await probe.ledger(id!)).toEqual(['AUTHORIZE', 'CAPTURE']);

  // Retried after success (the cart is now empty): the first result is replayed.
  const ordersBefore = await db().order.order.count({ where: { userId: shopper!.userId } });
  const replay = await stack.gql<{ checkout: { order: { id: string; status: string } } }>(CHECKOUT, { key: 'k-50', token: null }, token);
  expect(replay.data!.checkout.order).toEqual({ id, status: 'CONFIRMED' });
  // The same key for a different cart, or a different card: refused, nothing created.
  await fillCart(stack, token, [{ productId: 41, quantity: 3 }]);
  const otherCart = await stack.gql(CHECKOUT, { key: 'k-50', token: null }, token);
  expect(otherCart.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  const otherCard = await stack.gql(CHECKOUT, { key: 'k-50', token: 'tok_mastercard' }, token);
  expect(otherCard.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  expect(await db().order.order.count({ where: { userId: shopper!.userId } })).toBe(ordersBefore);
  // Keys are per user: another user may use the same key.
  const [, , , other] = await customerTokens(catalog, 0, 4);
  await fillCart(stack, other!.token, [{ productId: 41, quantity: 1 }]);
  expect((await stack.gql(CHECKOUT, { key: 'k-50', token: null }, other!.token)).errors).toBeUndefined();
  // Validation: key length and token shape.
  expect((await stack.gql(CHECKOUT, { key: 'k'.repeat(256), token: null }, token)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect((await stack.gql(CHECKOUT, { key: 'x', token: 'visa; DROP TABLE' }, token)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

function wsClient(token: string): Client {
  const client = createClient({
    url: stack.gateway.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

const LIFECYCLE = {
  cancel: 'mutation($id: ID!) { cancelOrder(id: $id) { id status } }',
  ship: 'mutation($id: ID!) { shipOrder(id: $id, carrier: UPS, trackingNumber: "1Z999AA10123456784") { id status } }',
  deliver: 'mutation($id: ID!) { deliverOrder(id: $id) { id status } }',
};

test('cancel: stock back, capture refunded, email sent, subscribers told; then illegal transitions change nothing', async () => {
  const [, , , , shopper] = await customerTokens(catalog, 0, 5);
  const token = shopper!.token;
  const PRODUCT = 50;
  const before = await probe.stockOf(PRODUCT);
  await fillCart(stack, token, [{ productId: PRODUCT, quantity: 3 }]);
  const id = await checkout(stack, token, 'to-cancel');
  expect((await probe.settled(id)).status).toBe('CONFIRMED');
  expect(await probe.stockOf(PRODUCT)).toBe(before - 3);

  const statuses: string[] = [];
  const cancelled = new Promise<void>((resolve, reject) =>
    wsClient(token).subscribe<{ orderStatusChanged: { status: string; payment: { status: string } | null } }>(
      { query: `subscription { orderStatusChanged(orderId: "${id}") { status payment { status } } }` },
      {
        next: (msg) => {
          if (msg.errors) return reject(new Error(JSON.stringify(msg.errors)));
          statuses.push(msg.data!.orderStatusChanged.status);
          if (msg.data!.orderStatusChanged.status === 'CANCELLED') resolve();
        },
        error: reject,
        complete: () => undefined,
      },
    ),
  );
  await eventually(async () => (statuses.length > 0 ? true : undefined), 'the current state');

  // Someone else cannot even see it; the owner can cancel it.
  const [stranger] = await customerTokens(catalog, 10, 1);
  expect((await stack.gql(LIFECYCLE.cancel, { id }, stranger!.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const res = await stack.gql<{ cancelOrder: { status: string } }>(LIFECYCLE.cancel, { id }, token);
  expect(res.data?.cancelOrder.status).toBe('CANCELLED');
  await cancelled;
  expect(statuses).toEqual(['CONFIRMED', 'CANCELLED']);

  await probe.released(id);
  expect(await probe.stockOf(PRODUCT)).toBe(before);
  const payment = await eventually(async () => {
    const p = await db().order.payment.findUnique({ where: { orderId: id } });
    return p?.status === 'REFUNDED' ? p : undefined;
  }, 'the refund');
  expect(payment.amountCents).toBeGreaterThan(0);
  expect(await probe.ledger(id)).toEqual(['AUTHORIZE', 'CAPTURE', 'REFUND']);
  await eventually(
    async () => (await db().user.notification.findUnique({ where: { key: `order:${id}:CANCELLED` } })) ?? undefined,
    'the cancellation email',
  );
  // The review subgraph learns of it through the outbox too: the purchase no longer verifies reviews.
  await eventually(
    async () => ((await db().review.purchase.findFirst({ where: { orderId: id, cancelledAt: { not: null } } })) ? true : undefined),
    'the purchase cancelled in the review subgraph',
  );

  // Illegal now: cancel again, ship a cancelled order. Nothing changes.
  const events = await db().order.orderStatusEvent.count({ where: { orderId: id } });
  expect((await stack.gql(LIFECYCLE.cancel, { id }, token)).errors?.[0]?.extensions?.code).toBe('INVALID_ORDER_STATE');
  expect((await stack.gql(LIFECYCLE.ship, { id }, adminToken)).errors?.[0]?.extensions?.code).toBe('INVALID_ORDER_STATE');
  expect((await db().order.order.findUniqueOrThrow({ where: { id } })).status).toBe('CANCELLED');
  expect(await db().order.orderStatusEvent.count({ where: { orderId: id } })).toBe(events);
  expect(await probe.ledger(id)).toEqual(['AUTHORIZE', 'CAPTURE', 'REFUND']);
});

test('ship and deliver: admin only, in lifecycle order; a shipped order can no longer be cancelled', async () => {
  const [, , , , , shopper] = await customerTokens(catalog, 0, 6);
  const token = shopper!.token;
  await fillCart(stack, token, [{ productId: 51, quantity: 1 }]);
  const id = await checkout(stack, token, 'to-ship');
  expect((await probe.settled(id)).status).toBe('CONFIRMED');

  expect((await stack.gql(LIFECYCLE.deliver, { id }, adminToken)).errors?.[0]?.extensions?.code).toBe('INVALID_ORDER_STATE');
  expect((await stack.gql(LIFECYCLE.ship, { id }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect((await stack.gql<{ shipOrder: { status: string } }>(LIFECYCLE.ship, { id }, adminToken)).data?.shipOrder.status).toBe('SHIPPED');
  expect((await stack.gql(LIFECYCLE.cancel, { id }, token)).errors?.[0]?.extensions?.code).toBe('INVALID_ORDER_STATE');
  expect((await stack.gql<{ deliverOrder: { status: string } }>(LIFECYCLE.deliver, { id }, adminToken)).data?.deliverOrder.status).toBe(
    'DELIVERED',
  );

  const history = await db().order.orderStatusEvent.findMany({ where: { orderId: id }, orderBy: { createdAt: 'asc' } });
  expect(history.map((e) => e.status)).toEqual(['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
  // Every transition went through the outbox to pub/sub, and the captured payment stayed.
  await eventually(
    async () => ((await db().order.outboxMessage.count({ where: { queue: 'events', status: { not: 'DONE' } } })) === 0 ? true : undefined),
    'events published',
  );
  for (const status of ['SHIPPED', 'DELIVERED']) {
    await eventually(
      async () => (await db().user.notification.findUnique({ where: { key: `order:${id}:${status}` } })) ?? undefined,
      `${status} email`,
    );
  }
  expect((await db().order.payment.findUniqueOrThrow({ where: { orderId: id } })).status).toBe('CAPTURED');
  const unauth = await stack.gql(LIFECYCLE.ship, { id });
  expect(unauth.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});
