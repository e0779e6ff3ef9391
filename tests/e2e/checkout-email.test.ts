import { decodeJwt } from 'jose';
import { loadCatalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

// The customer's email reaches the order with the checkout itself when the access token states it
// (no call to the user subgraph), and through the saga when it does not (a token from before).

const CHECKOUT = 'mutation($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id status } } }';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const rowOf = (id: string) => stack.db.order.order.findUniqueOrThrow({ where: { id }, select: { status: true, customerEmail: true } });

test("the access token carries the account's email, and checkout keeps it on the PENDING order", async () => {
  const catalog = await loadCatalog();
  const customer = catalog.users.filter((u) => u.role === 'user')[3]!;
  const token = await stack.login(customer.username, customer.password);
  const stored = await stack.db.user.user.findFirstOrThrow({ where: { username: customer.username }, select: { id: true, email: true } });
  expect(decodeJwt(token)).toMatchObject({ sub: String(stored.id), email: stored.email });

  await stack.gql('mutation { addToCart(productId: "3", quantity: 1) { totalQuantity } }', {}, token);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'email-in-token' }, token);
  // No checkout worker runs yet: what the row holds came with the checkout request.
  expect(await rowOf(placed.data!.checkout.order.id)).toEqual({ status: 'PENDING', customerEmail: stored.email });
});

test('a token without the email claim: the saga reads the email from the user subgraph and keeps it', async () => {
  const catalog = await loadCatalog();
  const customer = catalog.users.filter((u) => u.role === 'user')[4]!;
  const stored = await stack.db.user.user.findFirstOrThrow({
    where: { username: customer.username },
    select: { id: true, email: true, sessionEpoch: true },
  });
  const token = await mintAccessToken({ userId: stored.id, role: 'CUSTOMER', sessionEpoch: stored.sessionEpoch });
  expect(decodeJwt(token).email).toBeUndefined();

  await stack.gql('mutation { addToCart(productId: "4", quantity: 1) { totalQuantity } }', {}, token);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'email-from-saga' }, token);
  const id = placed.data!.checkout.order.id;
  expect(await rowOf(id)).toEqual({ status: 'PENDING', customerEmail: null });

  await stack.startWorkers();
  const settled = await eventually(async () => {
    const row = await rowOf(id);
    return row.status === 'PENDING' ? undefined : row;
  }, `order ${id} to settle`);
  expect(settled).toEqual({ status: 'CONFIRMED', customerEmail: stored.email });
});
