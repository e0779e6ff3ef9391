import { ANONYMOUS, CALLER_TOKEN_HEADER, signCallerToken, type Caller } from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { checkout, fillCart } from '../support/shoppers';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/**
 * Each subgraph decides who may see its data, whichever path reaches it: a root field, a field
 * nested under another subgraph's entity, or `_entities` sent to the subgraph directly.
 */

let stack: Stack;
let catalog: Catalog;
let owner: { id: number; token: string; productId: number };
let other: { id: number; token: string };
let admin: { id: number; token: string };
let orderId: string;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  // The owner wrote a review, so other shoppers reach their User entity through Review.author.
  const reviewed = catalog.products.find((p) =>
    p.reviews.some((r) => catalog.users.find((u) => u.email === r.reviewerEmail)?.role === 'user'),
  )!;
  const author = catalog.users.find((u) => u.role === 'user' && reviewed.reviews.some((r) => r.reviewerEmail === u.email))!;
  const someoneElse = catalog.users.find((u) => u.role === 'user' && u.id !== author.id)!;
  const anAdmin = catalog.users.find((u) => u.role === 'admin')!;
  owner = { id: author.id, token: await mintAccessToken({ userId: author.id, role: 'CUSTOMER' }), productId: reviewed.id };
  other = { id: someoneElse.id, token: await mintAccessToken({ userId: someoneElse.id, role: 'CUSTOMER' }) };
  admin = { id: anAdmin.id, token: await mintAccessToken({ userId: anAdmin.id, role: 'ADMIN' }) };
  await fillCart(stack, owner.token, [{ productId: reviewed.id, quantity: 1 }]);
  orderId = await checkout(stack, owner.token, 'authz-order');
  await stack.startWorkers();
  await eventually(
    async () => ((await stack.db.order.order.findUnique({ where: { id: orderId } }))?.status === 'CONFIRMED' ? true : undefined),
    'order confirmed',
  );
  await fillCart(stack, owner.token, [{ productId: reviewed.id, quantity: 2 }]);
});
afterAll(() => stack?.close());

const codes = (res: { errors?: { extensions?: { code?: string } }[] }) => (res.errors ?? []).map((e) => e.extensions?.code);

describe('root fields', () => {
  test("another customer's order is not found, and cannot be cancelled or shipped; nothing changes", async () => {
    expect((await stack.gql('query($id: ID!) { order(id: $id) { id } }', { id: orderId }, other.token)).data).toEqual({ order: null });
    expect(codes(await stack.gql('mutation($id: ID!) { cancelOrder(id: $id) { id } }', { id: orderId }, other.token))).toEqual([
      'NOT_FOUND',
    ]);
    expect(
      codes(
        await stack.gql(
          'mutation($id: ID!) { shipOrder(id: $id, carrier: UPS, trackingNumber: "1Z999AA10123456784") { id } }',
          { id: orderId },
          other.token,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    // The owner may see the order but, as a customer, not ship it.
    expect(
      codes(
        await stack.gql(
          'mutation($id: ID!) { shipOrder(id: $id, carrier: UPS, trackingNumber: "1Z999AA10123456784") { id } }',
          { id: orderId },
          owner.token,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    const row = await stack.db.order.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(row.status).toBe('CONFIRMED');
  });

  test('without a token, carts and checkout are UNAUTHENTICATED', async () => {
    expect(codes(await stack.gql('{ cart { id } }'))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await stack.gql('mutation { checkout(input: { idempotencyKey: "anon" }) { order { id } } }'))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});

describe('nested fields of another subgraph’s entity', () => {
  const AUTHORS = `query($p: ID!) { product(id: $p) { reviews(first: 30) { edges { node { author { id email FIELDS } } } } } }`;
  const authorOf = (data: unknown, id: number) =>
    (data as { product: { reviews: { edges: { node: { author: { id: string } | null } }[] } } }).product.reviews.edges
      .map((e) => e.node.author)
      .find((a) => a?.id === String(id));

  test('another shopper reaches the owner through Review.author, but not their email, cart or orders', async () => {
    const email = await stack.gql(AUTHORS.replace('FIELDS', ''), { p: String(owner.productId) }, other.token);
    expect(authorOf(email.data, owner.id)).toEqual({ id: String(owner.id), email: null });
    const cart = await stack.gql(AUTHORS.replace('FIELDS', 'cart { totalQuantity }'), { p: String(owner.productId) }, other.token);
    expect(codes(cart)).toContain('FORBIDDEN');
    const orders = await stack.gql(AUTHORS.replace('FIELDS', 'orders { totalCount }'), { p: String(owner.productId) }, other.token);
    expect(codes(orders)).toContain('FORBIDDEN');
  });

  test('the owner sees their own (other reviewers stay FORBIDDEN); an admin sees everyone (control)', async () => {
    const query = AUTHORS.replace('FIELDS', 'cart { totalQuantity } orders { totalCount }');
    const mine = await stack.gql(query, { p: String(owner.productId) }, owner.token);
    expect(authorOf(mine.data, owner.id)).toEqual(
      expect.objectContaining({ email: expect.any(String), cart: { totalQuantity: 2 }, orders: { totalCount: 1 } }),
    );
    expect(new Set(codes(mine))).toEqual(new Set(codes(mine).length > 0 ? ['FORBIDDEN'] : []));
    const all = await stack.gql(query, { p: String(owner.productId) }, admin.token);
    expect(all.errors).toBeUndefined();
    expect(authorOf(all.data, owner.id)).toEqual(expect.objectContaining({ cart: { totalQuantity: 2 }, orders: { totalCount: 1 } }));
  });
});

describe('_entities sent to a subgraph directly', () => {
  const direct = async (
    subgraph: keyof Stack['subgraphs'],
    query: string,
    variables: Record<string, unknown>,
    caller?: Caller,
    secret = INTERNAL_SECRET,
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (caller) headers[CALLER_TOKEN_HEADER] = await signCallerToken(caller, secret);
    const response = await fetch(stack.subgraphs[subgraph].url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return {
      status: response.status,
      ...((await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] }),
    };
  };
  const asOther = () => ({ kind: 'user', userId: other.id, role: 'CUSTOMER' }) as const;
  const USER_CART = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { cart { totalQuantity } } } }';
  const USER_ORDERS = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { totalCount } } } }';
  const USER_EMAIL = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }';
  const ORDER = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id total { amount } } } }';

  test("with another customer's identity, every entity path is refused or empty", async () => {
    const user = [{ __typename: 'User', id: String(owner.id) }];
    expect(codes(await direct('cart', USER_CART, { r: user }, asOther()))).toEqual(['FORBIDDEN']);
    expect(codes(await direct('order', USER_ORDERS, { r: user }, asOther()))).toEqual(['FORBIDDEN']);
    expect((await direct('user', USER_EMAIL, { r: user }, asOther())).data).toEqual({ _entities: [{ id: String(owner.id), email: null }] });
    expect((await direct('order', ORDER, { r: [{ __typename: 'Order', id: orderId }] }, asOther())).data).toEqual({ _entities: [null] });
  });

  test('the same calls as the owner succeed (control)', async () => {
    const me = { kind: 'user', userId: owner.id, role: 'CUSTOMER' } as const;
    expect((await direct('cart', USER_CART, { r: [{ __typename: 'User', id: String(owner.id) }] }, me)).data).toEqual({
      _entities: [{ cart: { totalQuantity: 2 } }],
    });
    expect((await direct('order', ORDER, { r: [{ __typename: 'Order', id: orderId }] }, me)).data).toEqual({
      _entities: [{ id: orderId, total: { amount: expect.any(Number) } }],
    });
  });

  test.each(['user', 'product', 'review', 'cart', 'order'] as const)(
    '%s subgraph: without the gateway’s proof, 401 and nothing runs',
    async (subgraph) => {
      const query = '{ _service { sdl } }';
      const none = await direct(subgraph, query, {});
      expect(none.status).toBe(401);
      expect(codes(none)).toEqual(['UNAUTHENTICATED']);
      expect(none.data).toBeUndefined();
      const forged = await direct(subgraph, query, {}, ANONYMOUS, 'a-secret-that-is-not-the-gateways-000000');
      expect(forged.status).toBe(401);
      const entities = await direct(subgraph, USER_EMAIL, { r: [{ __typename: 'User', id: String(owner.id) }] });
      expect(entities.status).toBe(401);
      expect(entities.data).toBeUndefined();
    },
  );
});
