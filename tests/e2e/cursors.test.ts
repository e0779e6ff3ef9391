import fc from 'fast-check';
import { startStack, type GraphQLResponse, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/**
 * Every connection's `after` over the gateway: a cursor the API did not issue is BAD_USER_INPUT
 * ("Invalid cursor"), never INTERNAL_SERVER_ERROR, whatever it holds; the API's own cursors still page.
 */

let stack: Stack;
let admin: string;
let customer: string;

beforeAll(async () => {
  stack = await startStack();
  [admin, customer] = await Promise.all([mintAccessToken({ userId: 1, role: 'ADMIN' }), mintAccessToken({ userId: 5, role: 'CUSTOMER' })]);
  // One stock movement, so its connection has a real cursor to compare with.
  const adjusted = await stack.gql(
    'mutation { adjustStock(productId: "1", delta: 3, reason: "cursor test") { product { id } } }',
    {},
    admin,
  );
  expect(adjusted.errors).toBeUndefined();
  // Two orders of the customer (written straight into this suite's order database: no checkout
  // is needed to page through them), so the orders connection has a real cursor too.
  for (const key of ['cursor-a', 'cursor-b'])
    await stack.db.order.order.create({ data: { userId: 5, idempotencyKey: key, subtotalCents: 100, totalCents: 100 } });
});
afterAll(() => stack?.close());

/** A cursor as the codec writes one, around any JSON value (a forgery of the right encoding). */
const forge = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');

const PAGE = 'pageInfo { endCursor } edges { cursor }';
interface Page {
  pageInfo: { endCursor: string | null };
  edges: { cursor: string }[];
}

/** Each connection: how to ask for a page after a cursor, and where its page is in the answer. */
const connections = {
  products: (sort: string) => ({
    ask: (after: string | null) =>
      stack.gql<{ products: Page }>(`query($after: String) { products(first: 2, after: $after, sort: ${sort}) { ${PAGE} } }`, { after }),
    page: (data: Record<string, unknown>) => data.products as Page,
  }),
  search: {
    ask: (after: string | null) =>
      stack.gql(`query($after: String) { products(first: 2, after: $after, filter: { search: "phone" }) { ${PAGE} } }`, { after }),
    page: (data: Record<string, unknown>) => data.products as Page,
  },
  categoryProducts: {
    ask: (after: string | null) =>
      stack.gql(`query($after: String) { category(slug: "smartphones") { products(first: 2, after: $after, sort: NEWEST) { ${PAGE} } } }`, {
        after,
      }),
    page: (data: Record<string, unknown>) => (data.category as { products: Page }).products,
  },
  productReviews: {
    ask: (after: string | null) =>
      stack.gql(`query($after: String) { product(id: "1") { reviews(first: 1, after: $after) { ${PAGE} } } }`, { after }),
    page: (data: Record<string, unknown>) => (data.product as { reviews: Page }).reviews,
  },
  userReviews: {
    ask: (after: string | null) =>
      stack.gql(`query($after: String) { me { reviews(first: 1, after: $after) { ${PAGE} } } }`, { after }, customer),
    page: (data: Record<string, unknown>) => (data.me as { reviews: Page }).reviews,
  },
  orders: {
    ask: (after: string | null) =>
      stack.gql(`query($after: String) { me { orders(first: 1, after: $after) { ${PAGE} } } }`, { after }, customer),
    page: (data: Record<string, unknown>) => (data.me as { orders: Page }).orders,
  },
  stockMovements: {
    ask: (after: string | null) =>
      stack.gql(`query($after: String) { stockMovements(productId: "1", first: 1, after: $after) { ${PAGE} } }`, { after }, admin),
    page: (data: Record<string, unknown>) => data.stockMovements as Page,
  },
};

const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;

function expectInvalidCursor(res: GraphQLResponse, message: string | RegExp = 'Invalid cursor') {
  expect(res.errors).toEqual([
    expect.objectContaining({
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }),
    }),
  ]);
}

describe("the API's own cursors page on", () => {
  const all = [
    ...['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'RATING_DESC', 'NEWEST', 'TITLE_ASC', 'ID_ASC'].map(
      (s) => [`products ${s}`, connections.products(s)] as const,
    ),
    ...Object.entries(connections).filter((e): e is [string, typeof connections.search] => typeof e[1] !== 'function'),
  ];
  test.each(all)('%s', async (_name, connection) => {
    const first = await connection.ask(null);
    expect(first.errors).toBeUndefined();
    const cursor = connection.page(first.data!).pageInfo.endCursor;
    expect(cursor).toEqual(expect.any(String));
    const next = await connection.ask(cursor);
    expect(next.errors).toBeUndefined();
    expect(connection.page(next.data!).edges[0]?.cursor).not.toBe(cursor);
  });
});

describe('forged cursors are BAD_USER_INPUT', () => {
  const forged: [string, () => Promise<GraphQLResponse>][] = [
    // The cases of issue 16, item 5.
    ['a NEWEST cursor whose key is not a date', () => connections.products('NEWEST').ask(forge({ s: 'NEWEST', k: 'yesterday', id: 1 }))],
    ['a NUL in a TITLE_ASC key', () => connections.products('TITLE_ASC').ask(forge({ s: 'TITLE_ASC', k: 'iPhone\u0000', id: 1 }))],
    ['a product id past the int range', () => connections.products('ID_ASC').ask(forge({ s: 'ID_ASC', k: 1, id: 2 ** 31 }))],
    ['an ID_ASC key past the int range', () => connections.products('ID_ASC').ask(forge({ s: 'ID_ASC', k: 2 ** 31, id: 1 }))],
    ['an orders cursor holding a NUL', () => connections.orders.ask(forge({ id: '\u0000' }))],
    ['a review cursor with createdAt "1"', () => connections.productReviews.ask(forge({ createdAt: '1', id: 'dummyjson-1-0' }))],
    [
      'a review cursor in year +275760',
      () => connections.productReviews.ask(forge({ createdAt: '+275760-09-13T00:00:00.000Z', id: 'dummyjson-1-0' })),
    ],
    ['a stock-movement cursor id of 23 digits', () => connections.stockMovements.ask(forge({ id: '12345678901234567890123' }))],
    // More of the same kinds.
    ['a product id that is not an integer', () => connections.products('ID_ASC').ask(forge({ s: 'ID_ASC', k: 1, id: 1.5 }))],
    ['a string key for a price sort', () => connections.products('PRICE_ASC').ask(forge({ s: 'PRICE_ASC', k: 'cheap', id: 1 }))],
    ['a price key past the int range', () => connections.products('PRICE_DESC').ask(forge({ s: 'PRICE_DESC', k: 1e12, id: 1 }))],
    ['a rating above 5', () => connections.products('RATING_DESC').ask(forge({ s: 'RATING_DESC', k: 7, id: 1 }))],
    [
      'a relevance of 1e400 (Infinity once parsed)',
      () => connections.search.ask(Buffer.from('{"s":"RELEVANCE","k":1e400,"id":1}').toString('base64url')),
    ],
    ['a numeric key for NEWEST', () => connections.categoryProducts.ask(forge({ s: 'NEWEST', k: 0, id: 1 }))],
    ['February 30th', () => connections.categoryProducts.ask(forge({ s: 'NEWEST', k: '2025-02-30T00:00:00.000Z', id: 1 }))],
    ['year 0000', () => connections.categoryProducts.ask(forge({ s: 'NEWEST', k: '0000-01-01T00:00:00.000Z', id: 1 }))],
    [
      'a lone surrogate in a title key',
      () => connections.products('TITLE_ASC').ask(Buffer.from('{"s":"TITLE_ASC","k":"\\ud800","id":1}').toString('base64url')),
    ],
    ['a sort that does not exist', () => connections.products('ID_ASC').ask(forge({ s: 'DROP_TABLE', k: 1, id: 1 }))],
    ['a review id with a quote', () => connections.userReviews.ask(forge({ createdAt: '2025-01-01T00:00:00.000Z', id: "x' OR '1'='1" }))],
    [
      'a review createdAt with an offset',
      () => connections.userReviews.ask(forge({ createdAt: '2025-01-01T00:00:00.000+02:00', id: 'x' })),
    ],
    ['an order id that is not a UUID', () => connections.orders.ask(forge({ id: 'not-a-uuid' }))],
    ['a stock-movement id as a number', () => connections.stockMovements.ask(forge({ id: 5 }))],
    ['a stock-movement id of 0', () => connections.stockMovements.ask(forge({ id: '0' }))],
    ['a stock-movement id past bigint', () => connections.stockMovements.ask(forge({ id: '9223372036854775808' }))],
    ['JSON null', () => connections.orders.ask(forge(null))],
    ['not base64url JSON', () => connections.products('ID_ASC').ask('bm90LWEtY3Vyc29y')],
    ['characters outside base64url', () => connections.productReviews.ask('e30=!*')],
    // (Longer than the gateway's body limit, a cursor never reaches a subgraph: PAYLOAD_TOO_LARGE.)
    ['a cursor of 10 000 characters', () => connections.stockMovements.ask('A'.repeat(10_000))],
  ];
  test.each(forged)('%s', async (_name, send) => {
    expectInvalidCursor(await send());
  });

  test('a cursor of another sort is refused, naming both sorts', async () => {
    const title = (await connections.products('TITLE_ASC').ask(null)).data!.products.pageInfo.endCursor!;
    expectInvalidCursor(await connections.products('PRICE_ASC').ask(title), 'The cursor belongs to sort TITLE_ASC, not PRICE_ASC');
  });

  test('a cursor of one connection is refused by the others', async () => {
    const product = (await connections.products('NEWEST').ask(null)).data!.products.pageInfo.endCursor!;
    const review = connections.productReviews.page((await connections.productReviews.ask(null)).data!).pageInfo.endCursor!;
    expectInvalidCursor(await connections.productReviews.ask(product));
    expectInvalidCursor(await connections.orders.ask(review));
    expectInvalidCursor(await connections.stockMovements.ask(review));
    expectInvalidCursor(await connections.products('NEWEST').ask(review));
  });
});

describe('property: no cursor string is an internal error', () => {
  // Random strings, and random JSON values (shaped like each cursor, or not) in the cursors' encoding.
  const position = fc.oneof(
    fc.jsonValue(),
    fc.record({
      s: fc.constantFrom('RELEVANCE', 'PRICE_ASC', 'NEWEST', 'TITLE_ASC', 'ID_ASC', 'RATING_DESC'),
      k: fc.oneof(
        fc.string(),
        fc.double(),
        fc.integer(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      id: fc.oneof(fc.integer(), fc.double(), fc.string()),
    }),
    fc.record({
      createdAt: fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      id: fc.string(),
    }),
    fc.record({ id: fc.oneof(fc.string(), fc.bigInt().map(String), fc.uuid()) }),
  );
  const cursor = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), position.map(forge));
  const targets = [
    connections.products('NEWEST'),
    connections.products('TITLE_ASC'),
    connections.search,
    connections.productReviews,
    connections.userReviews,
    connections.orders,
    connections.stockMovements,
  ];

  test.each(targets.map((t, i) => [i, t] as const))('connection %i', async (_i, connection) => {
    await fc.assert(
      fc.asyncProperty(cursor, async (after) => {
        const res = await connection.ask(after);
        // Random JSON can happen to be a valid position; then the page simply answers.
        if (res.errors) expect(codeOf(res)).toBe('BAD_USER_INPUT');
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
  });
});
