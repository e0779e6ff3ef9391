import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { lineTotal } from '@commerce/common';
import { dollarsToCents, loadCatalog, percentToBasisPoints, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';

const CHECKOUT = 'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id status } } }';
const ORDER = 'query($id: ID!) { order(id: $id) { id status failureReason total { amount } items { quantity product { id } } } }';
interface OrderData {
  id: string;
  status: string;
  failureReason: string | null;
  total: { amount: number };
}

let stack: Stack;
let catalog: Catalog;
const clients: Client[] = [];

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.close();
});

function wsClient(token?: string): Client {
  const client = createClient({
    url: stack.gateway.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

const settled = (token: string, id: string) =>
  eventually(async () => {
    const res = await stack.gql<{ order: OrderData }>(ORDER, { id }, token);
    return res.data?.order && res.data.order.status !== 'PENDING' ? res.data.order : undefined;
  }, `order ${id} to settle`);

/** The n-th plain customer of the catalog (DummyJSON or the demo one), signed in. */
const customer = (n: number) => catalog.users.filter((u) => u.role === 'user')[n]!;
const loginCustomer = (n: number) => stack.login(customer(n).username, customer(n).password);

const stockOf = async (id: string) =>
  (await stack.gql<{ product: { stock: number } }>(`{ product(id: "${id}") { stock } }`)).data!.product.stock;

test('checkout: a graphql-ws subscriber sees PENDING then CONFIRMED with cross-subgraph fields; stock, cart and email follow', async () => {
  const token = await stack.login('emilys', 'emilyspass');
  const source = catalog.products.find((p) => p.id === 1)!;
  await stack.gql('mutation { addToCart(productId: "1", quantity: 2) { totalQuantity } }', {}, token);
  const placed = await stack.gql<{ checkout: { order: { id: string; status: string } } }>(CHECKOUT, { key: 'emily-1' }, token);
  expect(placed.data!.checkout.order.status).toBe('PENDING');
  const orderId = placed.data!.checkout.order.id;

  const events: {
    status: string;
    items: { quantity: number; product: { title: string } }[];
    user: { email: string };
    total: { amount: number };
  }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    wsClient(token).subscribe<{ orderStatusChanged: (typeof events)[number] }>(
      {
        query: `subscription($id: ID) { orderStatusChanged(orderId: $id) {
          id status total { amount } items { quantity product { title } } user { email }
        } }`,
        variables: { id: orderId },
      },
      {
        next: (msg) => {
          if (msg.errors) return reject(new Error(JSON.stringify(msg.errors)));
          events.push(msg.data!.orderStatusChanged);
          if (msg.data!.orderStatusChanged.status !== 'PENDING') resolve();
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
  // The worker starts only once the current state (PENDING) has arrived, so the test sees both states.
  await eventually(async () => (events.length > 0 ? true : undefined), 'the current state');
  await stack.startWorkers();
  await done;

  expect(events.map((e) => e.status)).toEqual(['PENDING', 'CONFIRMED']);
  const confirmed = events[1]!;
  expect(confirmed.items).toEqual([{ quantity: 2, product: { title: source.title } }]);
  expect(confirmed.user.email).toBe('emily.johnson@x.dummyjson.com');
  expect(confirmed.total.amount).toBe(lineTotal(dollarsToCents(source.price), 2, percentToBasisPoints(source.discountPercentage)));

  expect(await stockOf('1')).toBe(source.stock - 2);
  const cart = await stack.gql<{ cart: { totalQuantity: number } }>('{ cart { totalQuantity } }', {}, token);
  expect(cart.data!.cart.totalQuantity).toBe(0);
  const email = await eventually(async () => {
    const files = await readdir(stack.mailDir).catch(() => []);
    return files.length > 0 ? readFile(path.join(stack.mailDir, files[0]!), 'utf8') : undefined;
  }, 'the confirmation email');
  expect(email).toContain('To: emily.johnson@x.dummyjson.com');
  expect(email).toMatch(/Subject: Order [0-9A-F]{8} confirmed/);
  expect(email).toContain(source.title);
});

test('a subscriber that connects after the order settled gets its final state first', async () => {
  const token = await stack.login('emilys', 'emilyspass');
  await stack.gql('mutation { addToCart(productId: "2", quantity: 1) { totalQuantity } }', {}, token);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'emily-late' }, token);
  const order = await settled(token, placed.data!.checkout.order.id);
  const first = await new Promise<{ status: string }>((resolve, reject) => {
    wsClient(token).subscribe<{ orderStatusChanged: { status: string } }>(
      { query: `subscription { orderStatusChanged(orderId: "${order.id}") { status } }` },
      {
        next: (msg) => (msg.data ? resolve(msg.data.orderStatusChanged) : reject(new Error(JSON.stringify(msg.errors)))),
        error: reject,
        complete: () => undefined,
      },
    );
  });
  expect(first.status).toBe('CONFIRMED');
});

test("order subscriptions need a valid token, and another user's order is FORBIDDEN", async () => {
  const closed = await new Promise<unknown>((resolve) => {
    wsClient('not-a-valid-token').subscribe(
      { query: 'subscription { orderStatusChanged { status } }' },
      { next: () => undefined, error: resolve, complete: () => undefined },
    );
  });
  expect((closed as { code?: number }).code).toBe(4403);

  const firstResult = (client: Client, query: string) =>
    new Promise<readonly { extensions?: { code?: unknown } }[]>((resolve, reject) => {
      client.subscribe(
        { query },
        {
          next: (msg) => (msg.errors ? resolve(msg.errors) : reject(new Error(`got data ${JSON.stringify(msg.data)}`))),
          error: reject,
          complete: () => undefined,
        },
      );
    });
  // Without a token the connection is anonymous: fine for the catalog, not for orders.
  expect((await firstResult(wsClient(), 'subscription { orderStatusChanged { status } }'))[0]?.extensions?.code).toBe('UNAUTHENTICATED');

  const emily = await stack.login('emilys', 'emilyspass');
  // A customer: admins may read every order.
  const other = await loginCustomer(0);
  await stack.gql('mutation { addToCart(productId: "3", quantity: 1) { totalQuantity } }', {}, emily);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'emily-private' }, emily);
  const orderId = placed.data!.checkout.order.id;
  const errors = await firstResult(wsClient(other), `subscription { orderStatusChanged(orderId: "${orderId}") { status } }`);
  expect(errors[0]?.extensions?.code).toBe('FORBIDDEN');
  const unknown = await firstResult(wsClient(other), 'subscription { orderStatusChanged(orderId: "no-such-order") { status } }');
  expect(unknown[0]?.extensions?.code).toBe('NOT_FOUND');
  const direct = await stack.gql<{ order: null }>(ORDER, { id: orderId }, other);
  expect(direct.data!.order).toBeNull();
});

test('a product with stock 0 fails the order with OUT_OF_STOCK and leaves stock unchanged', async () => {
  const soldOut = catalog.products.find((p) => p.stock === 0)!;
  const token = await loginCustomer(1);
  await stack.gql(`mutation { addToCart(productId: "${soldOut.id}", quantity: 1) { totalQuantity } }`, {}, token);
  await stack.gql('mutation { addToCart(productId: "5", quantity: 1) { totalQuantity } }', {}, token);
  const stockOf5 = await stockOf('5');
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'michael-sold-out' }, token);
  const order = await settled(token, placed.data!.checkout.order.id);
  expect(order).toMatchObject({ status: 'FAILED', failureReason: 'OUT_OF_STOCK' });
  // All or nothing: the line that had stock was not taken either.
  expect(await stockOf(String(soldOut.id))).toBe(0);
  expect(await stockOf('5')).toBe(stockOf5);
});

test('an empty cart fails the order with EMPTY_CART', async () => {
  const token = await loginCustomer(2);
  await stack.gql('mutation { clearCart { totalQuantity } }', {}, token);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'sophia-empty' }, token);
  expect(await settled(token, placed.data!.checkout.order.id)).toMatchObject({ status: 'FAILED', failureReason: 'EMPTY_CART' });
});

test('the same idempotency key returns the same order, also for parallel requests', async () => {
  const token = await loginCustomer(3);
  await stack.gql('mutation { addToCart(productId: "7", quantity: 1) { totalQuantity } }', {}, token);
  const results = await Promise.all(
    Array.from({ length: 10 }, () => stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'james-1' }, token)),
  );
  const ids = new Set(results.map((r) => r.data!.checkout.order.id));
  expect(ids.size).toBe(1);
  const again = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'james-1' }, token);
  expect(again.data!.checkout.order.id).toBe([...ids][0]);
  expect(await stack.db.order.order.count({ where: { idempotencyKey: 'james-1' } })).toBe(1);
  const tooLong = await stack.gql(CHECKOUT, { key: 'k'.repeat(256) }, token);
  expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

test('concurrent checkouts of one scarce product confirm exactly the stock, never more', async () => {
  const STOCK = 4;
  await stack.db.product.product.update({ where: { id: 10 }, data: { stock: STOCK } });
  const shoppers = catalog.users.filter((u) => u.role === 'user').slice(4, 14);
  const tokens = await Promise.all(shoppers.map((u) => stack.login(u.username, u.password)));
  await Promise.all(tokens.map((t) => stack.gql('mutation { addToCart(productId: "10", quantity: 1) { totalQuantity } }', {}, t)));
  const placed = await Promise.all(tokens.map((t) => stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'scarce' }, t)));
  const orders = await Promise.all(placed.map((p, i) => settled(tokens[i]!, p.data!.checkout.order.id)));
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
  expect(confirmed).toHaveLength(STOCK);
  expect(orders.filter((o) => o.status === 'FAILED').every((o) => o.failureReason === 'OUT_OF_STOCK')).toBe(true);
  expect(await stockOf('10')).toBe(0);
});

test('without orderId a subscriber gets every order of theirs, and never another user’s', async () => {
  const [a, b] = [customer(20), customer(21)];
  const tokens = [await stack.login(a.username, a.password), await stack.login(b.username, b.password)];
  const seen: { orderId: string; status: string }[][] = [[], []];
  for (const [i, token] of tokens.entries()) {
    const client = wsClient(token);
    client.subscribe<{ orderStatusChanged: { id: string; status: string } }>(
      { query: 'subscription { orderStatusChanged { id status } }' },
      {
        next: (msg) => msg.data && seen[i]!.push({ orderId: msg.data.orderStatusChanged.id, status: msg.data.orderStatusChanged.status }),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    // A query on the same socket answers after the subscription above has been set up.
    await new Promise((resolve, reject) =>
      client.subscribe({ query: '{ me { id } }' }, { next: resolve, error: reject, complete: () => undefined }),
    );
  }
  const placed: string[][] = [[], []];
  for (const round of [1, 2]) {
    for (const [i, token] of tokens.entries()) {
      await stack.gql('mutation { addToCart(productId: "4", quantity: 1) { totalQuantity } }', {}, token);
      const res = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: `interleaved-${round}` }, token);
      placed[i]!.push(res.data!.checkout.order.id);
    }
  }
  await Promise.all(placed.flatMap((ids, i) => ids.map((id) => settled(tokens[i]!, id))));
  for (const i of [0, 1]) {
    await eventually(
      async () => (seen[i]!.filter((e) => e.status !== 'PENDING').length === 2 ? true : undefined),
      `user ${i}'s final events`,
    );
    expect(new Set(seen[i]!.map((e) => e.orderId))).toEqual(new Set(placed[i]));
    for (const id of placed[i]!) expect(seen[i]!.filter((e) => e.orderId === id).map((e) => e.status)).toEqual(['PENDING', 'CONFIRMED']);
  }
});
