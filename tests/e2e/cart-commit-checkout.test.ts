import { createServiceClient, type ServiceClient } from '@commerce/common';
import { loadCatalog } from '@commerce/seed-data';
import { customerTokens, fillCart } from '../support/shoppers';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';

// The cart subgraph's commitCheckout (the checkout saga's "take the ordered lines out of the cart"
// step), called as the checkout worker calls it: what leaves the cart, what stays, idempotency by
// order id, and that it is one SQL statement.

let stack: Stack;
let cart: ServiceClient;
let shopper: { userId: number; token: string };
let statements: string[] | undefined;

beforeAll(async () => {
  const [started, catalog] = await Promise.all([
    startStack({ onQuery: (subgraph, sql) => subgraph === 'cart' && statements?.push(sql) }),
    loadCatalog(),
  ]);
  stack = started;
  cart = createServiceClient({ url: stack.processEnv().CART_SUBGRAPH_URL!, service: 'order-subgraph', secret: INTERNAL_SECRET });
  [shopper] = (await customerTokens(catalog, 0, 1)) as [typeof shopper];
});
afterAll(() => stack?.close());

const COMMIT = `mutation($userId: ID!, $orderId: ID!, $lines: [CartLineInput!]!) {
  commitCheckout(userId: $userId, orderId: $orderId, lines: $lines)
}`;

async function commit(orderId: string, lines: { productId: number; quantity: number }[]): Promise<boolean> {
  const res = await cart.request<{ commitCheckout: boolean }>(COMMIT, {
    userId: String(shopper.userId),
    orderId,
    lines: lines.map((l) => ({ productId: String(l.productId), quantity: l.quantity })),
  });
  return res.commitCheckout;
}

const items = () =>
  stack.db.cart.cartItem.findMany({
    where: { cart: { userId: shopper.userId } },
    orderBy: { productId: 'asc' },
    select: { productId: true, quantity: true, updatedAt: true },
  });
const cartRow = () => stack.db.cart.cart.findUniqueOrThrow({ where: { userId: shopper.userId } });

test('removes what was ordered in one statement, keeps the rest; a second call for the same order removes nothing and answers false', async () => {
  // 31 is ordered in full, 32 in part (listed twice: the sum counts), 33 was added after the order was placed.
  await fillCart(stack, shopper.token, [
    { productId: 31, quantity: 2 },
    { productId: 32, quantity: 5 },
    { productId: 33, quantity: 1 },
  ]);
  const before = await items();
  const cartBefore = await cartRow();
  const orderId = 'c0ffee00-0000-4000-8000-000000000001';
  const lines = [
    { productId: 31, quantity: 2 },
    { productId: 32, quantity: 1 },
    { productId: 32, quantity: 2 },
  ];

  statements = [];
  expect(await commit(orderId, lines)).toBe(true);
  const sent = statements;
  statements = undefined;
  expect(sent).toHaveLength(1);
  expect(sent[0]).toContain('INSERT INTO "CheckoutCommit"');

  const after = await items();
  expect(after.map(({ productId, quantity }) => ({ productId, quantity }))).toEqual([
    { productId: 32, quantity: 2 },
    { productId: 33, quantity: 1 },
  ]);
  const at = (list: typeof before, productId: number) => list.find((i) => i.productId === productId)!.updatedAt.getTime();
  expect(at(after, 32)).toBeGreaterThan(at(before, 32));
  expect(at(after, 33)).toBe(at(before, 33));
  expect((await cartRow()).updatedAt.getTime()).toBeGreaterThan(cartBefore.updatedAt.getTime());
  const row = await stack.db.cart.checkoutCommit.findUniqueOrThrow({ where: { orderId } });
  expect(row.userId).toBe(shopper.userId);
  expect(Math.abs(row.createdAt.getTime() - Date.now())).toBeLessThan(60_000);

  // A retried job: nothing more leaves the cart (32 would, were its 3 units taken again), the cart is not touched.
  const cartAfter = await cartRow();
  expect(await commit(orderId, lines)).toBe(false);
  expect(await items()).toEqual(after);
  expect((await cartRow()).updatedAt).toEqual(cartAfter.updatedAt);
});

test('concurrent calls for one order: one commits, the others answer false, the lines leave once', async () => {
  await fillCart(stack, shopper.token, [{ productId: 34, quantity: 4 }]);
  const orderId = 'c0ffee00-0000-4000-8000-000000000002';
  const results = await Promise.all(Array.from({ length: 5 }, () => commit(orderId, [{ productId: 34, quantity: 1 }])));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect((await items()).map(({ productId, quantity }) => ({ productId, quantity }))).toEqual([{ productId: 34, quantity: 3 }]);
});

test('a user without a cart: committed (so a later retry is false), nothing created', async () => {
  await stack.db.cart.cart.delete({ where: { userId: shopper.userId } });
  const orderId = 'c0ffee00-0000-4000-8000-000000000003';
  expect(await commit(orderId, [{ productId: 35, quantity: 1 }])).toBe(true);
  expect(await commit(orderId, [{ productId: 35, quantity: 1 }])).toBe(false);
  expect(await stack.db.cart.cart.count({ where: { userId: shopper.userId } })).toBe(0);
});
