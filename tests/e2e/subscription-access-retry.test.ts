import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { composeSupergraph, type RunningGateway } from '@commerce/gateway';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { startStack, type Stack } from '../support/stack';

/**
 * Issue 15 item 6, subscribe side: `orderStatusChanged(orderId)` checks, before it answers, that the
 * order belongs to the caller, with a lookup at the order subgraph. A transient failure of that
 * lookup (the subgraph resets the connection, or answers 503) is tried once more before the
 * subscriber is told; a second failure, and any other error (FORBIDDEN), is answered at once.
 *
 * The order subgraph is real; in front of it, for one gateway, a proxy that fails the next
 * `failures` access lookups (the operation `SubscriptionOrderAccess`) and forwards everything else.
 */

let stack: Stack;
let catalog: Catalog;
let proxy: http.Server;
let viaProxy: RunningGateway;
let failures = 0;
let failWith: 'reset' | '503' = 'reset';
/** Access lookups that reached the proxy (each attempt, failed or forwarded). */
let lookups = 0;
const clients: Client[] = [];

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  const orderUrl = stack.subgraphUrls.order;
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('SubscriptionOrderAccess')) {
        lookups += 1;
        if (failures > 0) {
          failures -= 1;
          if (failWith === 'reset') return void req.socket.destroy();
          return void res.writeHead(503, { 'content-type': 'text/plain' }).end('restarting');
        }
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && !['host', 'content-length', 'connection'].includes(e[0]),
        ),
      );
      void fetch(orderUrl, { method: req.method, headers, body: req.method === 'POST' ? body : undefined }).then(
        async (answer) =>
          res
            .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
            .end(await answer.text()),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
  viaProxy = await stack.startAnotherGateway({
    supergraphSdl: composeSupergraph({ ...stack.subgraphUrls, order: proxyUrl }),
    subgraphReadiness: 'reported',
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  await stack?.close();
});

const customer = (i: number) => catalog.users.filter((u) => u.role === 'user')[i]!;

/** A PENDING order of customer `i` (no worker runs), and the customer's token. */
async function orderOf(i: number): Promise<{ orderId: string; token: string }> {
  const shopper = customer(i);
  const token = await stack.login(shopper.username, shopper.password);
  const product = catalog.products.find((p) => p.stock > 10)!;
  await stack.gql(`mutation { addToCart(productId: "${product.id}", quantity: 1) { totalQuantity } }`, {}, token);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(
    'mutation { checkout(input: { idempotencyKey: "access-retry" }) { order { id } } }',
    {},
    token,
  );
  return { orderId: placed.data!.checkout.order.id, token };
}

/** The first message of `orderStatusChanged(orderId)` through the proxied gateway: the current state, or the refusal. */
function firstAnswer(orderId: string, token: string): Promise<{ status?: string; code?: unknown }> {
  const client = createClient({
    url: viaProxy.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return new Promise((resolve, reject) =>
    client.subscribe<{ orderStatusChanged: { id: string; status: string } }>(
      { query: 'subscription($id: ID) { orderStatusChanged(orderId: $id) { id status } }', variables: { id: orderId } },
      {
        next: (msg) => resolve(msg.data ? { status: msg.data.orderStatusChanged.status } : { code: msg.errors?.[0]?.extensions?.code }),
        error: (err: unknown) =>
          Array.isArray(err) ? resolve({ code: (err[0] as { extensions?: { code?: unknown } }).extensions?.code }) : reject(err as Error),
        complete: () => undefined,
      },
    ),
  );
}

beforeEach(() => {
  lookups = 0;
  failures = 0;
});

test.each(['reset', '503'] as const)(
  'the order subgraph fails the access lookup once (%s): the lookup is tried again and the subscription starts with the current state',
  async (how) => {
    const { orderId, token } = await orderOf(how === 'reset' ? 1 : 2);
    failWith = how;
    failures = 1;
    await expect(firstAnswer(orderId, token)).resolves.toEqual({ status: 'PENDING' });
    expect(lookups).toBe(2);
  },
);

test('it fails twice: the subscriber gets SUBGRAPH_UNAVAILABLE after exactly two attempts', async () => {
  const { orderId, token } = await orderOf(3);
  failWith = 'reset';
  failures = 2;
  await expect(firstAnswer(orderId, token)).resolves.toEqual({ code: 'SUBGRAPH_UNAVAILABLE' });
  expect(lookups).toBe(2);
});

test("another customer's order is FORBIDDEN at the first attempt, without a second lookup", async () => {
  const { orderId } = await orderOf(4);
  const other = await stack.login(customer(5).username, customer(5).password);
  await expect(firstAnswer(orderId, other)).resolves.toEqual({ code: 'FORBIDDEN' });
  expect(lookups).toBe(1);
});
