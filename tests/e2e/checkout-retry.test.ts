import { Client as PgClient } from 'pg';
import { composeSupergraph, type RunningGateway } from '@commerce/gateway';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { freePort } from '../../scripts/lib/ports';
import { startStack, type Stack } from '../support/stack';

/**
 * Issue 15 item 5: a `checkout` the gateway gave up on reaches the client as a coded, retryable
 * error (SUBGRAPH_UNAVAILABLE with `retryable: true`, `timedOut` saying which), never
 * INTERNAL_SERVER_ERROR; and the retry with the same idempotency key does the right thing in both
 * cases: the order the timed-out request still created is returned, and a request refused before
 * anything was created creates it now. Real processes: the order subgraph is slowed by a lock
 * another PostgreSQL session holds on its outbox, so its transaction outlives the gateway's
 * (lowered) subgraph timeout and commits afterwards.
 */

const CHECKOUT = 'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id status } } }';
type Checkout = { checkout: { order: { id: string; status: string } } | null };

let stack: Stack;
let catalog: Catalog;
let impatient: RunningGateway;
let orderDown: RunningGateway;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  impatient = await stack.startAnotherGateway({ subgraphTimeoutMs: 1_000 });
  orderDown = await stack.startAnotherGateway({
    supergraphSdl: composeSupergraph({ ...stack.subgraphUrls, order: `http://127.0.0.1:${await freePort()}/graphql` }),
    subgraphReadiness: 'reported',
  });
});
afterAll(async () => {
  await stack?.close();
});

const customer = (n: number) => catalog.users.filter((u) => u.role === 'user')[n]!;
const signIn = (n: number) => stack.login(customer(n).username, customer(n).password);
const ordersWithKey = (key: string) => stack.db.order.order.findMany({ where: { idempotencyKey: key }, select: { id: true } });

test('timed out but created: the client gets a retryable SUBGRAPH_UNAVAILABLE, and the retry returns the order the first request created', async () => {
  const token = await signIn(3);
  await stack.gql('mutation { addToCart(productId: "2", quantity: 1) { totalQuantity } }', {}, token);

  // Holds off every INSERT into the outbox (the last write of checkout's transaction) for 3 s.
  const blocker = new PgClient({ connectionString: stack.urls.order });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE "OutboxMessage" IN SHARE ROW EXCLUSIVE MODE');
    const release = new Promise((resolve) => setTimeout(resolve, 3_000)).then(() => blocker.query('COMMIT'));

    const first = await stack.gql<Checkout>(CHECKOUT, { key: 'retry-timeout' }, token, impatient);
    expect(first.data?.checkout ?? null).toBeNull();
    expect(first.errors).toHaveLength(1);
    expect(first.errors![0]!.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', service: 'order', timedOut: true, retryable: true });
    await release;
  } finally {
    await blocker.end();
  }

  // The first request's transaction went on and commits once the lock is gone (a moment after the COMMIT above).
  const created = await eventually(async () => {
    const orders = await ordersWithKey('retry-timeout');
    return orders.length > 0 ? orders : undefined;
  }, 'the timed-out checkout to commit its order');
  expect(created).toHaveLength(1);
  const retry = await stack.gql<Checkout>(CHECKOUT, { key: 'retry-timeout' }, token);
  expect(retry.errors).toBeUndefined();
  expect(retry.data!.checkout!.order.id).toBe(created[0]!.id);
  expect(await ordersWithKey('retry-timeout')).toHaveLength(1);
});

test('refused before creating: the client gets a retryable SUBGRAPH_UNAVAILABLE, nothing is created, and the retry creates the order', async () => {
  const token = await signIn(4);
  await stack.gql('mutation { addToCart(productId: "3", quantity: 2) { totalQuantity } }', {}, token);

  const first = await stack.gql<Checkout>(CHECKOUT, { key: 'retry-refused' }, token, orderDown);
  expect(first.data?.checkout ?? null).toBeNull();
  expect(first.errors).toHaveLength(1);
  expect(first.errors![0]!.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', service: 'order', timedOut: false, retryable: true });
  expect(await ordersWithKey('retry-refused')).toHaveLength(0);

  const retry = await stack.gql<Checkout>(CHECKOUT, { key: 'retry-refused' }, token);
  expect(retry.errors).toBeUndefined();
  expect(retry.data!.checkout!.order.status).toBe('PENDING');
  const created = await ordersWithKey('retry-refused');
  expect(created.map((o) => o.id)).toEqual([retry.data!.checkout!.order.id]);
});
