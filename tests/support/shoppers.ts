import type { Catalog } from '@commerce/seed-data';
import type { Stack } from './stack';
import { mintAccessToken } from './tokens';

const ROLE = { user: 'CUSTOMER', moderator: 'MODERATOR', admin: 'ADMIN' } as const;

/**
 * Access tokens for many seeded shoppers (every user but the admins) at once, signed as the user subgraph signs them (same
 * key, claims and lifetime); signing in 200 users through argon2 would only slow the tests.
 * @throws Error when the catalog has fewer than `count` such users after the first `from`.
 */
export async function customerTokens(catalog: Catalog, from: number, count: number): Promise<{ userId: number; token: string }[]> {
  const users = catalog.users.filter((u) => u.role !== 'admin').slice(from, from + count);
  // A test that silently got fewer shoppers would assert on the wrong numbers.
  if (users.length < count) {
    throw new Error(`the seeded catalog (${catalog.dataDir}) has ${users.length} non-admin users from #${from}, the test needs ${count}`);
  }
  return Promise.all(users.map(async (u) => ({ userId: u.id, token: await mintAccessToken({ userId: u.id, role: ROLE[u.role] }) })));
}

/**
 * Runs `task` over `items` with at most `limit` in flight. Setting up many shoppers at once would
 * only measure how many requests one test process can juggle; the concurrency under test is
 * the checkout's, which tests still fire all at once.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  });
  await Promise.all(lanes);
}

/** How many shoppers a test can have at most: the catalog's non-admin users, capped at `wanted`. */
export function shopperCount(catalog: Catalog, wanted: number): number {
  return Math.min(wanted, catalog.users.filter((u) => u.role !== 'admin').length);
}

/** Empties the cart, then adds `lines` in the given order, through the gateway. */
export async function fillCart(stack: Stack, token: string, lines: { productId: number; quantity: number }[]): Promise<void> {
  await stack.gql('mutation { clearCart { totalQuantity } }', {}, token);
  for (const l of lines) {
    const res = await stack.gql(
      `mutation { addToCart(productId: "${l.productId}", quantity: ${l.quantity}) { totalQuantity } }`,
      {},
      token,
    );
    if (res.errors) throw new Error(`addToCart failed: ${JSON.stringify(res.errors)}`);
  }
}

export const CHECKOUT = `mutation Checkout($key: String!, $token: String) {
  checkout(input: { idempotencyKey: $key, paymentToken: $token }) { order { id status } }
}`;

/** Places an order through the gateway; returns its id. @throws on a GraphQL error. */
export async function checkout(stack: Stack, token: string, key: string, paymentToken?: string): Promise<string> {
  const res = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key, token: paymentToken ?? null }, token);
  if (!res.data?.checkout) throw new Error(`checkout failed: ${JSON.stringify(res.errors)}`);
  return res.data.checkout.order.id;
}
