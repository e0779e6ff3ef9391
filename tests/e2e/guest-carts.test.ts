import { createHash, randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { bullPrefix, QueueName } from '@commerce/common';
import { GUEST_CART_EXPIRY_SCHEDULER } from '@commerce/cart';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { startStack, type GraphQLResponse, type Stack } from '../support/stack';
import { customerTokens } from '../support/shoppers';
import { eventually } from '../support/eventually';
import { spawnProcess, type WorkerProcess } from '../support/worker-process';

const GUEST_CART_WORKER = 'guest-cart-expiry-worker';
const DAY_MS = 24 * 3_600_000;

const CART = 'id items { product { id } quantity } totalQuantity updatedAt expiresAt';
interface CartData {
  id: string;
  items: { product: { id: string }; quantity: number }[];
  totalQuantity: number;
  updatedAt: string;
  expiresAt: string | null;
}

let stack: Stack;
let catalog: Catalog;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
});
afterAll(() => stack?.close());

/** An operation as an anonymous guest holding `cartToken` (none: no header). */
const asGuest = <T = Record<string, unknown>>(cartToken: string | undefined, query: string, variables: Record<string, unknown> = {}) =>
  stack.gql<T>(query, variables, undefined, stack.gateway, cartToken ? { 'x-cart-token': cartToken } : {});

const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;

/** A new guest cart through the gateway: its token and id. */
async function newGuestCart(): Promise<{ token: string; cartId: string }> {
  const res = await asGuest<{ createGuestCart: { token: string; cart: { id: string } } }>(
    undefined,
    'mutation { createGuestCart { token cart { id } } }',
  );
  if (!res.data) throw new Error(`createGuestCart failed: ${JSON.stringify(res.errors)}`);
  return { token: res.data.createGuestCart.token, cartId: res.data.createGuestCart.cart.id };
}

async function addAsGuest(cartToken: string, productId: number, quantity: number): Promise<CartData> {
  const res = await asGuest<{ addToCart: CartData }>(
    cartToken,
    `mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { ${CART} } }`,
    {
      p: String(productId),
      q: quantity,
    },
  );
  if (!res.data) throw new Error(`guest addToCart failed: ${JSON.stringify(res.errors)}`);
  return res.data.addToCart;
}

async function addAsUser(accessToken: string, productId: number, quantity: number): Promise<void> {
  const res = await stack.gql(
    `mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalQuantity } }`,
    { p: String(productId), q: quantity },
    accessToken,
  );
  if (res.errors) throw new Error(`addToCart failed: ${JSON.stringify(res.errors)}`);
}

async function cartOfUser(accessToken: string): Promise<CartData> {
  const res = await stack.gql<{ cart: CartData }>(`{ cart { ${CART} } }`, {}, accessToken);
  if (!res.data) throw new Error(`cart failed: ${JSON.stringify(res.errors)}`);
  return res.data.cart;
}

const quantities = (cart: CartData) => Object.fromEntries(cart.items.map((i) => [i.product.id, i.quantity]));

/** Products by stock, as the product subgraph of this stack holds it. */
function products() {
  const byStock = [...catalog.products].sort((a, b) => a.id - b.id);
  const low = byStock.find((p) => p.stock >= 3 && p.stock <= 20)!;
  const soldOut = byStock.find((p) => p.stock === 0)!;
  const plenty = byStock.filter((p) => p.stock >= 50 && p.id !== low.id);
  return { low, soldOut, plenty };
}

const guestCartRows = (cartId: string) => stack.db.cart.cart.count({ where: { id: cartId } });

describe('a guest cart', () => {
  test('is created with a 256-bit token that is not its id, stored only as its SHA-256, and lives GUEST_CART_TTL_DAYS (30) after its last change', async () => {
    const { token, cartId } = await newGuestCart();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(token).not.toContain(cartId);

    const row = await stack.db.cart.cart.findUniqueOrThrow({ where: { id: cartId } });
    expect(row.userId).toBeNull();
    expect(row.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);

    const { plenty } = products();
    const added = await addAsGuest(token, plenty[0]!.id, 2);
    expect(added.id).toBe(cartId);
    expect(quantities(added)).toEqual({ [String(plenty[0]!.id)]: 2 });
    expect(Date.parse(added.expiresAt!) - Date.parse(added.updatedAt)).toBe(30 * DAY_MS);

    const read = await asGuest<{ cart: CartData }>(token, `{ cart { ${CART} } }`);
    expect(read.data!.cart).toEqual(added);
  });

  test('cart operations without a sign-in or a token are UNAUTHENTICATED; a signed-in user may not create one', async () => {
    expect(codeOf(await asGuest(undefined, '{ cart { id } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await asGuest(undefined, 'mutation { addToCart(productId: "1", quantity: 1) { id } }'))).toBe('UNAUTHENTICATED');
    const [shopper] = await customerTokens(catalog, 80, 1);
    expect(codeOf(await stack.gql('mutation { createGuestCart { token } }', {}, shopper!.token))).toBe('FORBIDDEN');
  });

  test("another guest's token reaches only that guest's cart, and a token of no live guest cart is refused with INVALID_CART_TOKEN, creating nothing", async () => {
    const { plenty } = products();
    const a = await newGuestCart();
    const b = await newGuestCart();
    await addAsGuest(a.token, plenty[0]!.id, 1);
    await addAsGuest(b.token, plenty[1]!.id, 3);
    expect(quantities((await asGuest<{ cart: CartData }>(b.token, `{ cart { ${CART} } }`)).data!.cart)).toEqual({
      [String(plenty[1]!.id)]: 3,
    });

    const tampered = a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A');
    const forged = randomBytes(32).toString('base64url');
    const before = await stack.db.cart.cart.count();
    for (const token of [tampered, forged, a.cartId, 'not a token']) {
      const read = await asGuest(token, '{ cart { id } }');
      expect({ token, code: codeOf(read), data: read.data }).toEqual({ token, code: 'INVALID_CART_TOKEN', data: null });
      const add = await asGuest(token, `mutation { addToCart(productId: "${plenty[0]!.id}", quantity: 1) { id } }`);
      expect({ token, code: codeOf(add) }).toEqual({ token, code: 'INVALID_CART_TOKEN' });
    }
    expect(await stack.db.cart.cart.count()).toBe(before);
    // A's cart is untouched by any of it.
    expect(quantities((await asGuest<{ cart: CartData }>(a.token, `{ cart { ${CART} } }`)).data!.cart)).toEqual({
      [String(plenty[0]!.id)]: 1,
    });
  });

  test('can be priced (merchandise quote), but checkout still requires an account', async () => {
    const { plenty } = products();
    const { token } = await newGuestCart();
    const cart = await addAsGuest(token, plenty[2]!.id, 2);
    const quoted = await asGuest<{ cart: { subtotal: { amount: number }; quote: { subtotal: { amount: number } } } }>(
      token,
      '{ cart { subtotal { amount } quote { subtotal { amount } } } }',
    );
    expect(quoted.errors).toBeUndefined();
    expect(quoted.data!.cart.quote.subtotal.amount).toBe(quoted.data!.cart.subtotal.amount);

    const checkout = await asGuest(token, 'mutation { checkout(input: { idempotencyKey: "guest-checkout-1" }) { order { id } } }');
    expect(codeOf(checkout)).toBe('UNAUTHENTICATED');
    expect(checkout.data).toBeNull();
    expect(quantities((await asGuest<{ cart: CartData }>(token, `{ cart { ${CART} } }`)).data!.cart)).toEqual(quantities(cart));
  });
});

describe('signing in with a guest cart', () => {
  const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken guestCartMerged } }`;

  test("login merges it into the user's cart: quantities add up, capped at the stock; sold-out lines leave; the guest cart is gone", async () => {
    const { low, soldOut, plenty } = products();
    const shopper = catalog.users.filter((u) => u.role !== 'admin')[60]!;
    const before = await stack.gql<{ login: { accessToken: string } }>(LOGIN, { u: shopper.username, p: shopper.password });
    const accessToken = before.data!.login.accessToken;
    // The user's cart: part of the low-stock product, and a line the guest does not have.
    await addAsUser(accessToken, low.id, low.stock - 1);
    await addAsUser(accessToken, plenty[3]!.id, 4);

    const guest = await newGuestCart();
    await addAsGuest(guest.token, low.id, 2);
    await addAsGuest(guest.token, plenty[4]!.id, 5);
    await addAsGuest(guest.token, soldOut.id, 1);

    const login = await stack.gql<{ login: { accessToken: string; guestCartMerged: boolean } }>(
      LOGIN,
      { u: shopper.username, p: shopper.password },
      undefined,
      stack.gateway,
      { 'x-cart-token': guest.token },
    );
    expect(login.errors).toBeUndefined();
    expect(login.data!.login.guestCartMerged).toBe(true);

    const merged = await cartOfUser(login.data!.login.accessToken);
    expect(quantities(merged)).toEqual({
      [String(low.id)]: low.stock, // (stock − 1) + 2, capped at the stock
      [String(plenty[3]!.id)]: 4,
      [String(plenty[4]!.id)]: 5,
    });
    expect(merged.expiresAt).toBeNull();
    expect(await guestCartRows(guest.cartId)).toBe(0);
    expect(codeOf(await asGuest(guest.token, '{ cart { id } }'))).toBe('INVALID_CART_TOKEN');

    // Signing in again with the same token (a retried login) changes nothing.
    const again = await stack.gql<{ login: { accessToken: string; guestCartMerged: boolean } }>(
      LOGIN,
      { u: shopper.username, p: shopper.password },
      undefined,
      stack.gateway,
      { 'x-cart-token': guest.token },
    );
    expect(again.data!.login.guestCartMerged).toBe(true);
    expect(quantities(await cartOfUser(again.data!.login.accessToken))).toEqual(quantities(merged));
  });

  test('register with a guest cart gives the new account that cart; login with a token of no guest cart still signs in', async () => {
    const { plenty } = products();
    const guest = await newGuestCart();
    await addAsGuest(guest.token, plenty[5]!.id, 3);
    const name = `guest${randomBytes(4).toString('hex')}`;
    const registered = await stack.gql<{ register: { accessToken: string; guestCartMerged: boolean } }>(
      `mutation($i: RegisterInput!) { register(input: $i) { accessToken guestCartMerged } }`,
      {
        i: { username: name, email: `${name}@example.com`, password: 'a-long-enough-password-1', firstName: 'Guest', lastName: 'Shopper' },
      },
      undefined,
      stack.gateway,
      { 'x-cart-token': guest.token },
    );
    expect(registered.errors).toBeUndefined();
    expect(registered.data!.register.guestCartMerged).toBe(true);
    expect(quantities(await cartOfUser(registered.data!.register.accessToken))).toEqual({ [String(plenty[5]!.id)]: 3 });

    const shopper = catalog.users.filter((u) => u.role !== 'admin')[61]!;
    const login = await stack.gql<{ login: { accessToken: string; guestCartMerged: boolean } }>(
      LOGIN,
      { u: shopper.username, p: shopper.password },
      undefined,
      stack.gateway,
      { 'x-cart-token': randomBytes(32).toString('base64url') },
    );
    expect(login.errors).toBeUndefined();
    expect(login.data!.login).toEqual({ accessToken: expect.any(String), guestCartMerged: false });
  });
});

describe('mergeCart', () => {
  const MERGE = `mutation($t: String!) { mergeCart(token: $t) { ${CART} } }`;

  test('merges once (concurrent and repeated calls included); the token then works for nobody else', async () => {
    const { low, plenty } = products();
    const [first, second] = await customerTokens(catalog, 70, 2);
    const guest = await newGuestCart();
    await addAsGuest(guest.token, plenty[6]!.id, 2);
    await addAsGuest(guest.token, low.id, low.stock + 5);

    expect(codeOf(await asGuest(undefined, MERGE, { t: guest.token }))).toBe('UNAUTHENTICATED');

    const calls = await Promise.all([1, 2, 3].map(() => stack.gql<{ mergeCart: CartData }>(MERGE, { t: guest.token }, first!.token)));
    for (const call of calls) expect(call.errors).toBeUndefined();
    const expected = { [String(plenty[6]!.id)]: 2, [String(low.id)]: low.stock };
    expect(quantities(await cartOfUser(first!.token))).toEqual(expected);
    expect(await stack.db.cart.guestCartMerge.count({ where: { userId: first!.userId } })).toBe(1);

    const repeated = await stack.gql<{ mergeCart: CartData }>(MERGE, { t: guest.token }, first!.token);
    expect(quantities(repeated.data!.mergeCart)).toEqual(expected);

    const other = await stack.gql(MERGE, { t: guest.token }, second!.token);
    expect(codeOf(other)).toBe('INVALID_CART_TOKEN');
    expect((await cartOfUser(second!.token)).items).toEqual([]);
  });
});

describe('guest cart expiry', () => {
  let worker: WorkerProcess | undefined;
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });

  test('an expired guest cart is refused at once, and the scheduled BullMQ job deletes it; fresh guest carts and old user carts stay', async () => {
    const { plenty } = products();
    const old = await newGuestCart();
    await addAsGuest(old.token, plenty[7]!.id, 1);
    const fresh = await newGuestCart();
    await addAsGuest(fresh.token, plenty[7]!.id, 1);
    const [owner] = await customerTokens(catalog, 75, 1);
    await addAsUser(owner!.token, plenty[7]!.id, 1);
    const userCart = await cartOfUser(owner!.token);

    // Made old in the database: last changed 31 days ago. The user's cart is older still.
    const longAgo = new Date(Date.now() - 31 * DAY_MS);
    await stack.db.cart.cart.update({
      where: { id: old.cartId },
      data: { updatedAt: longAgo, expiresAt: new Date(longAgo.getTime() + 30 * DAY_MS) },
    });
    await stack.db.cart.cart.update({
      where: { id: userCart.id },
      data: { updatedAt: new Date('2020-01-01'), createdAt: new Date('2020-01-01') },
    });

    expect(codeOf(await asGuest(old.token, '{ cart { id } }'))).toBe('INVALID_CART_TOKEN');
    expect(await guestCartRows(old.cartId)).toBe(1);

    worker = await spawnProcess(GUEST_CART_WORKER, stack.processEnv({ LOG_LEVEL: 'info' }));
    await eventually(
      async () => ((await guestCartRows(old.cartId)) === 0 ? true : undefined),
      'the expiry job to delete the old guest cart',
    );
    expect(await stack.db.cart.cartItem.count({ where: { cartId: old.cartId } })).toBe(0);
    expect(await guestCartRows(fresh.cartId)).toBe(1);
    expect(quantities(await cartOfUser(owner!.token))).toEqual({ [String(plenty[7]!.id)]: 1 });

    // A repeatable job of the worker's scheduler (hourly by default), not a timer inside the process.
    const queue = new Queue(QueueName.guestCartExpiry, { connection: { url: stack.redisUrl }, prefix: bullPrefix(stack.redisPrefix) });
    try {
      const scheduler = await queue.getJobScheduler(GUEST_CART_EXPIRY_SCHEDULER);
      expect(scheduler).toMatchObject({ key: GUEST_CART_EXPIRY_SCHEDULER, every: 3_600_000 });
      const completed = await queue.getCompleted();
      expect(completed.map((j) => j.returnvalue)).toContainEqual(expect.objectContaining({ guestCarts: 1 }));
    } finally {
      await queue.close();
    }
  }, 180_000);

  test('GUEST_CART_TTL_DAYS is validated at start-up: a bad value stops the worker, naming it', async () => {
    await expect(
      spawnProcess(GUEST_CART_WORKER, stack.processEnv({ GUEST_CART_TTL_DAYS: '0' })),
    ).rejects.toThrow(/GUEST_CART_TTL_DAYS/);
  }, 120_000);
});

test('the gateway lets browsers send X-Cart-Token cross-origin (CORS preflight)', async () => {
  const response = await fetch(stack.gateway.url, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://shop.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-cart-token',
    },
  });
  expect(response.status).toBeLessThan(300);
  expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-cart-token');
});
