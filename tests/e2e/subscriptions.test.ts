import WebSocket from 'ws';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import type { ExecutionResult } from 'graphql';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishProductStockEvent, startMetricsListener } from '@commerce/common';
import type { RunningGateway } from '@commerce/gateway';
import { loadCatalog, reviewsToImport, type Catalog } from '@commerce/seed-data';
import { scrape, total } from '../support/metrics';
import { startStack, type Stack } from '../support/stack';

const CHECKOUT = 'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id status } } }';
/** Fields of four subgraphs in one subscription: order, product, review, user and cart. */
const FEDERATED_SELECTION = `id status
  items { quantity product { id title averageRating reviewCount } }
  user { email cart { totalQuantity } }`;
const MAX_PENDING_EVENTS = 8;

let stack: Stack;
let catalog: Catalog;
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
const disposers: (() => unknown)[] = [];

beforeAll(async () => {
  [stack, catalog] = await Promise.all([
    startStack({
      gateways: 2,
      // The slow-consumer tests select 200 aliased fields so that events are large enough to fill
      // socket buffers quickly; the operation limits (tested in hostile-requests) would refuse that.
      // The keep-alive would terminate the paused slow consumer (it answers no ping) before its buffer
      // fills when a loaded machine takes more than two ping intervals to publish enough events; the
      // keep-alive has its own tests (gateway-keepalive), so here it stays out of the way.
      gateway: {
        maxPendingEvents: MAX_PENDING_EVENTS,
        keepAliveMs: 600_000,
        // A loaded machine must not make one gateway give up on the other's result (counted below).
        sharedResultWaitMs: 10_000,
        limits: { maxAliases: 250, maxTokens: 5_000, maxCost: 100_000 },
      },
    }),
    loadCatalog(),
  ]);
  [gatewayA, gatewayB] = stack.gateways as [RunningGateway, RunningGateway];
});
afterAll(async () => {
  await Promise.all(disposers.map((d) => d()));
  await stack?.close();
});

type Payload = { query: string; variables?: Record<string, unknown> };
type ErrorList = readonly { message: string; extensions?: { code?: unknown } }[];

/** One subscription's results as they arrive, and how it ended. */
class Watch<T> {
  readonly data: T[] = [];
  errors: ErrorList | undefined;
  ended: unknown;
  private waiters: (() => void)[] = [];

  push(result: ExecutionResult<Record<string, T>, unknown>, field: string) {
    if (result.errors) this.errors = result.errors as unknown as ErrorList;
    else this.data.push(result.data![field]!);
    this.wake();
  }
  end(reason: unknown) {
    this.ended = reason ?? 'complete';
    this.wake();
  }
  /** Resolves once `check` holds; fails when the subscription ended first or after 30 s. */
  async until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (this.ended !== undefined) throw new Error(`subscription ended (${JSON.stringify(this.ended)}) before ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }
}

function wsClient(gateway: RunningGateway, token?: string): WsClient {
  const client = createWsClient({
    url: gateway.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  disposers.push(() => client.dispose());
  return client;
}

/** Subscribes over graphql-ws or (with `sse`) over graphql-sse to `field`. */
function watch<T>(
  transport: { ws: WsClient } | { sse: RunningGateway; token?: string },
  field: string,
  payload: Payload,
): Watch<T> & { stop: () => void } {
  const w = new Watch<T>();
  const sink = {
    next: (result: ExecutionResult<Record<string, T>, unknown>) => w.push(result, field),
    error: (err: unknown) => w.end(err instanceof Error ? err.message : err),
    complete: () => w.end('complete'),
  };
  let stop: () => void;
  if ('ws' in transport) {
    stop = transport.ws.subscribe<Record<string, T>>(payload, sink);
  } else {
    const client = createSseClient({
      url: transport.sse.sseUrl,
      headers: transport.token ? { authorization: `Bearer ${transport.token}` } : {},
      retryAttempts: 0,
    });
    disposers.push(() => client.dispose());
    stop = client.subscribe<Record<string, T>>(payload, sink);
  }
  disposers.push(stop);
  return Object.assign(w, { stop });
}

/** Resolves after a query on the same socket has answered, i.e. after earlier subscriptions were set up. */
const roundTrip = (client: WsClient) =>
  new Promise((resolve, reject) =>
    client.subscribe({ query: '{ categories { id } }' }, { next: resolve, error: reject, complete: () => undefined }),
  );

const customers = () => catalog.users.filter((u) => u.role === 'user');
const admin = () => catalog.users.find((u) => u.role === 'admin')!;
const signIn = (user: { username: string; password: string }) => stack.login(user.username, user.password);

interface OrderEvent {
  id: string;
  status: string;
  items: { quantity: number; product: { id: string; title: string; averageRating: number | null; reviewCount: number } }[];
  user: { email: string; cart: { totalQuantity: number } };
}

test('an order placed through gateway A reaches subscribers on gateway B over WebSocket and SSE alike, with fields of every subgraph; a reconnecting client gets the latest state', async () => {
  const shopper = customers()[30]!;
  const token = await signIn(shopper);
  const adminToken = await signIn(admin());
  const product = catalog.products.find((p) => p.stock > 10 && p.id !== 1)!;

  await stack.gql(`mutation { addToCart(productId: "${product.id}", quantity: 3) { totalQuantity } }`, {}, token, gatewayA);
  const placed = await stack.gql<{ checkout: { order: { id: string; status: string } } }>(CHECKOUT, { key: 'scale-out' }, token, gatewayA);
  const orderId = placed.data!.checkout.order.id;
  const subscription = {
    query: `subscription($id: ID) { orderStatusChanged(orderId: $id) { ${FEDERATED_SELECTION} } }`,
    variables: { id: orderId },
  };

  // Subscribers on gateway B: graphql-ws, graphql-sse, and one that will drop off while PENDING.
  const overWs = watch<OrderEvent>({ ws: wsClient(gatewayB, token) }, 'orderStatusChanged', subscription);
  const overSse = watch<OrderEvent>({ sse: gatewayB, token }, 'orderStatusChanged', subscription);
  const leaving = watch<OrderEvent>({ ws: wsClient(gatewayB, token) }, 'orderStatusChanged', subscription);
  // An admin on gateway A watching confirmations of every order.
  const adminClient = wsClient(gatewayA, adminToken);
  const confirmations = watch<{ id: string; status: string; user: { email: string } }>({ ws: adminClient }, 'orderEvents', {
    query: 'subscription { orderEvents(status: [CONFIRMED]) { id status user { email } } }',
  });
  await roundTrip(adminClient);
  for (const w of [overWs, overSse, leaving]) await w.until(() => w.data.length === 1, 'the current state');
  expect([overWs, overSse, leaving].map((w) => w.data[0]!.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
  leaving.stop();

  await stack.startWorkers();
  for (const w of [overWs, overSse]) await w.until(() => w.data.some((e) => e.status === 'CONFIRMED'), 'CONFIRMED');
  await confirmations.until(() => confirmations.data.some((e) => e.id === orderId), "the admin's confirmation");

  // The same events, in the same order, over both transports; no errors, no duplicates.
  expect(overWs.errors).toBeUndefined();
  expect(overSse.data).toEqual(overWs.data);
  expect(overWs.data.map((e) => e.status)).toEqual(['PENDING', 'CONFIRMED']);
  // Cross-subgraph fields as a plain query through gateway A resolves them.
  const viaQuery = await stack.gql<{ order: OrderEvent }>(
    `query($id: ID!) { order(id: $id) { ${FEDERATED_SELECTION} } }`,
    { id: orderId },
    token,
    gatewayA,
  );
  expect(overWs.data[1]).toEqual(viaQuery.data!.order);
  expect(overWs.data[1]!.items).toEqual([
    {
      quantity: 3,
      product: expect.objectContaining({ id: String(product.id), title: product.title, reviewCount: reviewsToImport(product).length }),
    },
  ]);
  expect(overWs.data[1]!.user).toEqual({ email: shopper.email, cart: { totalQuantity: 0 } });
  expect(confirmations.data.find((e) => e.id === orderId)).toEqual({ id: orderId, status: 'CONFIRMED', user: { email: shopper.email } });
  expect(confirmations.data.every((e) => e.status === 'CONFIRMED')).toBe(true);

  // The client that left while PENDING reconnects (to the other gateway): the latest state comes first.
  const back = watch<OrderEvent>({ ws: wsClient(gatewayA, token) }, 'orderStatusChanged', subscription);
  await back.until(() => back.data.length === 1, 'the latest state');
  expect(back.data[0]).toEqual(overWs.data[1]);
});

test('orderEvents is for admins only; order subscriptions refuse anonymous callers over SSE too', async () => {
  const customer = await signIn(customers()[31]!);
  const refused = watch({ ws: wsClient(gatewayB, customer) }, 'orderEvents', { query: 'subscription { orderEvents { id } }' });
  await refused.until(() => refused.errors !== undefined, 'the refusal');
  expect(refused.errors![0]!.extensions?.code).toBe('FORBIDDEN');

  const anonymous = watch({ sse: gatewayB }, 'orderStatusChanged', { query: 'subscription { orderStatusChanged { id } }' });
  await anonymous.until(() => anonymous.errors !== undefined, 'the refusal');
  expect(anonymous.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');

  const badToken = await fetch(gatewayB.sseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer nope' },
    body: JSON.stringify({ query: 'subscription { orderStatusChanged { id } }' }),
  });
  expect(badToken.status).toBe(401);
  expect(((await badToken.json()) as { errors: ErrorList }).errors[0]!.extensions?.code).toBe('UNAUTHENTICATED');
});

test('two users with interleaved orders on different gateways each see only their own', async () => {
  const [a, b] = [customers()[32]!, customers()[33]!];
  const tokens = [await signIn(a), await signIn(b)];
  const clients = [wsClient(gatewayA, tokens[0]), wsClient(gatewayB, tokens[1])];
  const seen = clients.map((client) =>
    watch<{ id: string; status: string; user: { email: string } }>({ ws: client }, 'orderStatusChanged', {
      query: 'subscription { orderStatusChanged { id status user { email } } }',
    }),
  );
  for (const client of clients) await roundTrip(client);
  const placed: string[][] = [[], []];
  for (const round of [1, 2]) {
    for (const [i, token] of tokens.entries()) {
      // Each user orders through the other user's gateway.
      const via = i === 0 ? gatewayB : gatewayA;
      await stack.gql('mutation { addToCart(productId: "4", quantity: 1) { totalQuantity } }', {}, token, via);
      const res = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: `interleaved-${round}` }, token, via);
      placed[i]!.push(res.data!.checkout.order.id);
    }
  }
  for (const [i, w] of seen.entries()) {
    await w.until(() => w.data.filter((e) => e.status !== 'PENDING').length === 2, `user ${i}'s final events`);
    expect(new Set(w.data.map((e) => e.id))).toEqual(new Set(placed[i]));
    expect(new Set(w.data.map((e) => e.user.email))).toEqual(new Set([[a, b][i]!.email]));
  }
});

test('equal subscriptions on two gateways share one event query per event; another caller or selection runs its own', async () => {
  const shopper = customers()[34]!;
  const token = await signIn(shopper);
  const [firstAdmin, secondAdmin] = catalog.users.filter((u) => u.role === 'admin');
  const query = 'subscription { orderStatusChanged { id status user { email } } }';
  const clients = [wsClient(gatewayA, token), wsClient(gatewayB, token)];
  // The same caller and selection on both gateways: one event query for both.
  const pair = clients.map((ws) => watch<{ id: string; status: string; user: { email: string } }>({ ws }, 'orderStatusChanged', { query }));
  // Another selection of the same caller, and two admins with equal selections: each its own.
  const otherSelection = watch<{ id: string; status: string }>({ ws: clients[1]! }, 'orderStatusChanged', {
    query: 'subscription { orderStatusChanged { id status } }',
  });
  const adminClients = [wsClient(gatewayA, await signIn(firstAdmin!)), wsClient(gatewayB, await signIn(secondAdmin!))];
  const admins = adminClients.map((ws) =>
    watch<{ id: string; status: string; user: { email: string } }>({ ws }, 'orderEvents', {
      query: 'subscription { orderEvents { id status user { email } } }',
    }),
  );
  for (const client of [...clients, ...adminClients]) await roundTrip(client);

  const metrics = await startMetricsListener(0, '127.0.0.1', stack.logger);
  disposers.push(() => metrics.close());
  const outcomes = async () => {
    const text = await scrape(metrics.url);
    const of = (outcome: string) => total(text, 'commerce_gateway_subscription_shared_results_total', { outcome });
    return { handed: of('received') + of('stored'), ranAfterWaiting: of('timeout') + of('alone') };
  };
  const before = await outcomes();
  await stack.gql('mutation { addToCart(productId: "4", quantity: 1) { totalQuantity } }', {}, token, gatewayA);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'shared-results' }, token, gatewayA);
  const orderId = placed.data!.checkout.order.id;
  const confirmed = (w: Watch<{ id: string; status: string }>) => w.data.some((e) => e.id === orderId && e.status === 'CONFIRMED');
  for (const w of [...pair, otherSelection, ...admins]) await w.until(() => confirmed(w), 'CONFIRMED');

  expect(pair[0]!.data).toEqual([
    { id: orderId, status: 'PENDING', user: { email: shopper.email } },
    { id: orderId, status: 'CONFIRMED', user: { email: shopper.email } },
  ]);
  expect(pair[1]!.data).toEqual(pair[0]!.data);
  expect(otherSelection.data).toEqual([
    { id: orderId, status: 'PENDING' },
    { id: orderId, status: 'CONFIRMED' },
  ]);
  for (const w of admins) expect(w.data.filter((e) => e.id === orderId)).toEqual(pair[0]!.data);
  // Two events, each run once for the pair and handed to the other gateway; nothing else shared.
  const after = await outcomes();
  expect(after.handed - before.handed).toBe(2);
  expect(after.ranAfterWaiting - before.ranAfterWaiting).toBe(0);
});

test('productStockChanged: the current level first, then each committed change, over WebSocket (anonymous) and SSE', async () => {
  const product = catalog.products.find((p) => p.stock > 5 && p.reviews.length > 0)!;
  const id = String(product.id);
  const subscription = {
    query: `subscription($id: ID!) { productStockChanged(productId: $id) { id stock title reviewCount } }`,
    variables: { id },
  };
  const overWs = watch<{ id: string; stock: number; title: string; reviewCount: number }>(
    { ws: wsClient(gatewayB) },
    'productStockChanged',
    subscription,
  );
  const overSse = watch<{ id: string; stock: number; title: string; reviewCount: number }>(
    { sse: gatewayA },
    'productStockChanged',
    subscription,
  );
  for (const w of [overWs, overSse]) await w.until(() => w.data.length === 1, 'the current level');
  const start = overWs.data[0]!.stock;

  for (const stock of [start - 1, start - 3]) {
    // What the catalog does on a committed change: write, then publish the level after it.
    await stack.db.product.product.update({ where: { id: product.id }, data: { stock } });
    await publishProductStockEvent(stack.redis, stack.redisPrefix, { productId: id, stock, occurredAt: new Date().toISOString() });
    for (const w of [overWs, overSse]) await w.until(() => w.data.at(-1)!.stock === stock, `stock ${stock}`);
  }
  const expected = [start, start - 1, start - 3].map((stock) => ({
    id,
    stock,
    title: product.title,
    reviewCount: reviewsToImport(product).length,
  }));
  expect(overWs.data).toEqual(expected);
  expect(overSse.data).toEqual(expected);

  const unknown = watch({ ws: wsClient(gatewayB) }, 'productStockChanged', {
    query: 'subscription { productStockChanged(productId: "999999") { id } }',
  });
  await unknown.until(() => unknown.errors !== undefined, 'NOT_FOUND');
  expect(unknown.errors![0]!.extensions?.code).toBe('NOT_FOUND');
});

test('a consumer that stops reading is closed with 1013 once its buffer is full; a fast one on the same gateway gets every event', async () => {
  const product = catalog.products.find((p) => p.stock > 0 && p.id > 20)!;
  const id = String(product.id);
  const fast = watch<{ stock: number }>({ ws: wsClient(gatewayB) }, 'productStockChanged', {
    query: `subscription { productStockChanged(productId: "${id}") { stock } }`,
  });

  // A raw graphql-transport-ws client with a large selection (aliases make each event ~40 kB), which stops reading.
  const bulky = Array.from({ length: 200 }, (_, i) => `d${i}: description`).join(' ');
  const slow = new WebSocket(gatewayB.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    slow.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  let slowReceived = 0;
  await new Promise<void>((resolve, reject) => {
    slow.once('error', reject);
    slow.once('open', () => slow.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    slow.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string };
      if (message.type === 'connection_ack') {
        slow.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: `subscription { productStockChanged(productId: "${id}") { stock ${bulky} } }` },
          }),
        );
      }
      if (message.type === 'next' && ++slowReceived === 1) {
        slow.pause();
        resolve();
      }
    });
  });
  await fast.until(() => fast.data.length === 1, 'the current level');

  // Distinct levels, one at a time: the fast consumer gets each before the next is published,
  // until the gateway has given up on the slow one (its close frame waits behind unread data).
  let published = 0;
  while (gatewayB.stats().slowConsumersClosed === 0) {
    if (published === 5_000) throw new Error('the slow consumer was never closed');
    published += 1;
    await publishProductStockEvent(stack.redis, stack.redisPrefix, {
      productId: id,
      stock: 100_000 + published,
      occurredAt: new Date().toISOString(),
    });
    await fast.until(() => fast.data.length === published + 1, `event ${published} at the fast consumer`);
  }
  // Reading again, the slow client gets what was buffered, then the close frame.
  slow.resume();
  const close = await closed;
  expect(close.code).toBe(1013);
  expect(close.reason).toBe(`slow consumer: more than ${MAX_PENDING_EVENTS} undelivered events`);
  expect(fast.data).toHaveLength(published + 1);
  expect(fast.ended).toBeUndefined();
  expect(slowReceived).toBeLessThan(published + 1);
  // Hundreds of ~40 kB events one at a time: minutes on a loaded machine, which is slow, not broken.
}, 300_000);

test('an SSE consumer that stops reading has its stream cut once its buffer is full', async () => {
  const product = catalog.products.find((p) => p.stock > 0 && p.id > 30)!;
  const id = String(product.id);
  const fast = watch<{ stock: number }>({ sse: gatewayA }, 'productStockChanged', {
    query: `subscription { productStockChanged(productId: "${id}") { stock } }`,
  });
  const bulky = Array.from({ length: 200 }, (_, i) => `d${i}: description`).join(' ');
  const response = await fetch(gatewayA.sseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: `subscription { productStockChanged(productId: "${id}") { stock ${bulky} } }` }),
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  // Read up to the current state, then stop reading.
  let text = '';
  while (!text.includes('event: next')) text += new TextDecoder().decode((await reader.read()).value);
  await fast.until(() => fast.data.length === 1, 'the current level');

  const before = gatewayA.stats().slowConsumersClosed;
  let published = 0;
  while (gatewayA.stats().slowConsumersClosed === before) {
    if (published === 5_000) throw new Error('the slow SSE consumer was never cut');
    published += 1;
    await publishProductStockEvent(stack.redis, stack.redisPrefix, {
      productId: id,
      stock: 200_000 + published,
      occurredAt: new Date().toISOString(),
    });
    await fast.until(() => fast.data.length === published + 1, `event ${published} at the fast consumer`);
  }
  // Reading again, the client finds its stream cut short.
  await expect(
    (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })(),
  ).rejects.toThrow();
  expect(fast.data).toHaveLength(published + 1);
  expect(fast.ended).toBeUndefined();
  // Events one at a time until the socket buffers fill: over a minute on a loaded machine, which is slow, not broken.
}, 300_000);

test('equal subscriptions share one event query per event: one group per caller, arguments, selection and variables', async () => {
  // A product no other test here subscribes to, so every product fetch below is this test's.
  const product = [...catalog.products].reverse().find((p) => p.stock > 5)!;
  const id = String(product.id);
  const shared = { query: 'subscription($id: ID!) { productStockChanged(productId: $id) { id stock title } }', variables: { id } };
  const groupsBefore = gatewayA.stats().subscriptionGroups;
  const token = await signIn(customers()[35]!);
  const watches = [
    // Four anonymous visitors with the same subscription: one group.
    ...[0, 1, 2, 3].map(() => watch<{ stock: number }>({ ws: wsClient(gatewayA) }, 'productStockChanged', shared)),
    // Another selection, and another caller: a group each.
    watch<{ stock: number }>({ ws: wsClient(gatewayA) }, 'productStockChanged', {
      query: 'subscription($id: ID!) { productStockChanged(productId: $id) { id stock } }',
      variables: { id },
    }),
    watch<{ stock: number }>({ ws: wsClient(gatewayA, token) }, 'productStockChanged', shared),
  ];
  for (const w of watches) await w.until(() => w.data.length === 1, 'the current level');
  expect(gatewayA.stats().subscriptionGroups - groupsBefore).toBe(3);

  const metrics = await startMetricsListener(0, '127.0.0.1', stack.logger);
  disposers.push(() => metrics.close());
  const productFetches = async () =>
    total(await scrape(metrics.url), 'commerce_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'product' });
  const fetchesBefore = await productFetches();
  const stock = watches[0]!.data[0]!.stock - 2;
  await stack.db.product.product.update({ where: { id: product.id }, data: { stock } });
  await publishProductStockEvent(stack.redis, stack.redisPrefix, { productId: id, stock, occurredAt: new Date().toISOString() });
  for (const w of watches) await w.until(() => w.data.at(-1)!.stock === stock, `stock ${stock}`);
  // One event query per group (each a single product fetch), not one per subscriber.
  expect((await productFetches()) - fetchesBefore).toBe(3);

  for (const w of watches) w.stop();
  for (let waited = 0; gatewayA.stats().subscriptionGroups > groupsBefore && waited < 10_000; waited += 50) await sleep(50);
  expect(gatewayA.stats().subscriptionGroups).toBe(groupsBefore);
});

test('a gateway shutting down sends no complete: its sockets close with 1001, and a retrying client resubscribes on another gateway, current state first', async () => {
  const gatewayC = await stack.startAnotherGateway({ maxPendingEvents: MAX_PENDING_EVENTS });
  const product = [...catalog.products].reverse().filter((p) => p.stock > 5)[1]!;
  const id = String(product.id);
  const messages: string[] = [];
  const closeCodes: number[] = [];
  let connections = 0;
  const client = createWsClient({
    // The first connection goes to C, every reconnection to A (as a balancer would, once C is gone).
    url: () => (connections++ === 0 ? gatewayC.wsUrl : gatewayA.wsUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 5,
    retryWait: () => sleep(100),
    on: {
      message: (message) => void messages.push(message.type),
      closed: (event) => void closeCodes.push((event as { code: number }).code),
    },
  });
  disposers.push(() => client.dispose());
  const w = watch<{ stock: number }>({ ws: client }, 'productStockChanged', {
    query: 'subscription($id: ID!) { productStockChanged(productId: $id) { stock } }',
    variables: { id },
  });
  await w.until(() => w.data.length === 1, 'the current level from gateway C');

  await stack.stopGateway(gatewayC);
  // The resubscription on A sends the current level again, first.
  await w.until(() => w.data.length === 2, 'the current level from gateway A');
  expect(closeCodes[0]).toBe(1001);
  expect(connections).toBe(2);
  const stock = w.data[1]!.stock - 1;
  await stack.db.product.product.update({ where: { id: product.id }, data: { stock } });
  await publishProductStockEvent(stack.redis, stack.redisPrefix, { productId: id, stock, occurredAt: new Date().toISOString() });
  await w.until(() => w.data.at(-1)!.stock === stock, `stock ${stock} through gateway A`);
  expect(messages).not.toContain('complete');
  expect(w.ended).toBeUndefined();
  w.stop();
});

test('graceful shutdown closes WebSockets with 1001 Going Away and ends SSE streams', async () => {
  const token = await signIn(customers()[34]!);
  const overWs = watch({ ws: wsClient(gatewayB, token) }, 'productStockChanged', {
    query: 'subscription { productStockChanged(productId: "1") { stock } }',
  });
  const overSse = watch({ sse: gatewayB, token }, 'productStockChanged', {
    query: 'subscription { productStockChanged(productId: "1") { stock } }',
  });
  for (const w of [overWs, overSse]) await w.until(() => w.data.length === 1, 'the current level');
  await stack.stopGateway(gatewayB);
  for (const w of [overWs, overSse]) await w.until(() => w.ended !== undefined, 'the end of the stream');
  expect((overWs.ended as { code?: number }).code).toBe(1001);
  expect(overSse.ended).toBeDefined();
  // Gateway A still serves.
  expect((await stack.gql('{ categories { id } }', {}, undefined, gatewayA)).status).toBe(200);
});
