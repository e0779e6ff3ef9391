import { loadCatalog, dollarsToCents, percentToBasisPoints, type Catalog } from '@commerce/seed-data';
import { lineTotal } from '@commerce/common';
import { startStack, type Stack } from '../support/stack';

const CART =
  'items { product { id title } quantity unitPrice { amount } lineTotal { amount currencyCode } } subtotal { amount currencyCode } totalQuantity';
interface CartData {
  items: { product: { id: string; title: string }; quantity: number; unitPrice: { amount: number }; lineTotal: { amount: number } }[];
  subtotal: { amount: number; currencyCode: string };
  totalQuantity: number;
}

let stack: Stack;
let catalog: Catalog;
let token: string;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  token = await stack.login('emilys', 'emilyspass');
});
afterAll(() => stack?.close());

const expectedLine = (productId: number, quantity: number) => {
  const p = catalog.products.find((x) => x.id === productId)!;
  return lineTotal(dollarsToCents(p.price), quantity, percentToBasisPoints(p.discountPercentage));
};

describe('login', () => {
  test("a seeded user's real credentials sign in, by username or email", async () => {
    const emily = catalog.users.find((u) => u.username === 'emilys')!;
    const byName = await stack.gql<{
      login: { accessToken: string; refreshToken: string; user: { username: string; email: string; role: string } };
    }>('mutation { login(username: "emilys", password: "emilyspass") { accessToken refreshToken user { username email role } } }');
    expect(byName.data!.login.user).toEqual({ username: 'emilys', email: emily.email, role: 'ADMIN' });
    const byEmail = await stack.gql<{ login: { user: { username: string } } }>(
      'mutation($e: String!) { login(username: $e, password: "emilyspass") { user { username } } }',
      { e: emily.email.toUpperCase() },
    );
    expect(byEmail.data!.login.user.username).toBe('emilys');
    const me = await stack.gql<{ me: { username: string; role: string } }>('{ me { username role } }', {}, byName.data!.login.accessToken);
    expect(me.data!.me).toEqual({ username: 'emilys', role: 'ADMIN' });
  });

  test('a wrong password or an unknown user is UNAUTHENTICATED, with the same message', async () => {
    const wrong = await stack.gql('mutation { login(username: "emilys", password: "nope") { accessToken } }');
    const unknown = await stack.gql('mutation { login(username: "nobody-here", password: "nope") { accessToken } }');
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });

  test('a refresh token works once; reusing it fails', async () => {
    const user = catalog.users[1]!;
    const first = await stack.gql<{ login: { refreshToken: string } }>(
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { refreshToken } }',
      { u: user.username, p: user.password },
    );
    const refresh = 'mutation($t: String!) { refreshToken(token: $t) { accessToken user { username } } }';
    const rotated = await stack.gql<{ refreshToken: { user: { username: string } } }>(refresh, { t: first.data!.login.refreshToken });
    expect(rotated.data!.refreshToken.user.username).toBe(user.username);
    const replay = await stack.gql(refresh, { t: first.data!.login.refreshToken });
    expect(replay.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a forged bearer token is refused with 401, and a client cannot pose as a user through the caller header', async () => {
    const forged = await stack.gql('{ me { id } }', {}, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.');
    expect(forged.status).toBe(401);
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const res = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-caller-token': 'forged' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(((await res.json()) as { data: { me: unknown } }).data.me).toBeNull();
  });
});

describe('cart', () => {
  test('add, update and remove keep the subtotal by the pricing rule', async () => {
    const add = 'mutation($id: ID!, $q: Int!) { addToCart(productId: $id, quantity: $q) { ' + CART + ' } }';
    await stack.gql(add, { id: '1', q: 2 }, token);
    const added = await stack.gql<{ addToCart: CartData }>(add, { id: '6', q: 1 }, token);
    expect(added.errors).toBeUndefined();
    let cart = added.data!.addToCart;
    expect(cart.items.map((i) => [i.product.id, i.quantity])).toEqual([
      ['1', 2],
      ['6', 1],
    ]);
    expect(cart.items[0]!.product.title).toBe(catalog.products.find((p) => p.id === 1)!.title);
    expect(cart.items[0]!.lineTotal.amount).toBe(expectedLine(1, 2));
    expect(cart.subtotal).toEqual({ amount: expectedLine(1, 2) + expectedLine(6, 1), currencyCode: 'USD' });
    expect(cart.totalQuantity).toBe(3);

    const updated = await stack.gql<{ updateCartItem: CartData }>(
      'mutation { updateCartItem(productId: "6", quantity: 4) { ' + CART + ' } }',
      {},
      token,
    );
    cart = updated.data!.updateCartItem;
    expect(cart.subtotal.amount).toBe(expectedLine(1, 2) + expectedLine(6, 4));

    const removed = await stack.gql<{ removeFromCart: CartData }>(
      'mutation { removeFromCart(productId: "1") { ' + CART + ' } }',
      {},
      token,
    );
    cart = removed.data!.removeFromCart;
    expect(cart.items.map((i) => i.product.id)).toEqual(['6']);
    expect(cart.subtotal.amount).toBe(expectedLine(6, 4));
  });

  test('bad quantities are BAD_USER_INPUT, an unknown product NOT_FOUND, and the cart is unchanged', async () => {
    const before = await stack.gql<{ cart: CartData }>('{ cart { ' + CART + ' } }', {}, token);
    for (const quantity of [0, -1, 100]) {
      const res = await stack.gql(
        'mutation($q: Int!) { addToCart(productId: "2", quantity: $q) { totalQuantity } }',
        { q: quantity },
        token,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const zeroUpdate = await stack.gql('mutation { updateCartItem(productId: "6", quantity: 0) { totalQuantity } }', {}, token);
    expect(zeroUpdate.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await stack.gql('mutation { addToCart(productId: "999999", quantity: 1) { totalQuantity } }', {}, token);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await stack.gql('mutation { addToCart(productId: "abc", quantity: 1) { totalQuantity } }', {}, token);
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const after = await stack.gql<{ cart: CartData }>('{ cart { ' + CART + ' } }', {}, token);
    expect(after.data).toEqual(before.data);
  });

  test('the cart without a token is UNAUTHENTICATED; each user sees their own cart', async () => {
    const anonymous = await stack.gql('{ cart { totalQuantity } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const add = await stack.gql('mutation { addToCart(productId: "1", quantity: 1) { totalQuantity } }');
    expect(add.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const other = await stack.login(catalog.users[1]!.username, catalog.users[1]!.password);
    const me = await stack.gql<{ me: { cart: CartData | null } }>('{ me { id cart { totalQuantity } } }', {}, other);
    expect(me.data!.me.cart).toEqual({ totalQuantity: 0 });
  });
});
