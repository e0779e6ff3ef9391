import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type OperationDefinitionNode } from 'graphql';
import { orderProbes } from '../support/orders';
import { checkout, fillCart } from '../support/shoppers';
import type { SubgraphName } from '../support/databases';
import { startStack, type GraphQLResponse, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/**
 * Order management (issue 11, item 6) through the gateway: the admin's `orders` and the owner's
 * `User.orders` with filters and keyset paging under every sort, checked against an independent
 * computation over the order database; customers see only theirs; a page costs the same SQL
 * statements however many orders it holds.
 */

let stack: Stack;
let adminToken: string;
const customers: { id: number; email: string; token: string }[] = [];
const statements: Partial<Record<SubgraphName, number>> = {};
// The outbox relay polls the order database on its own (a transaction with an advisory lock over
// the outbox): not part of any request, so not counted.
const RELAY_SQL = /"OutboxMessage"|pg_try_advisory_xact_lock|^(BEGIN|COMMIT|ROLLBACK)/;

type Sort = 'CREATED_AT_DESC' | 'CREATED_AT_ASC' | 'TOTAL_DESC' | 'TOTAL_ASC';
const SORTS: Sort[] = ['CREATED_AT_DESC', 'CREATED_AT_ASC', 'TOTAL_DESC', 'TOTAL_ASC'];
interface Filter {
  status?: string[];
  customerEmail?: string;
  createdAfter?: string;
  createdBefore?: string;
  minTotal?: number;
  maxTotal?: number;
}
interface Row {
  id: string;
  userId: number;
  status: string;
  customerEmail: string | null;
  createdAt: Date;
  totalCents: number;
}
interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { id: string; user: { id: string } } }[];
}

// Imported orders placed at one instant for one total: every sort falls back on the id among them.
const TIED_AT = new Date('2026-01-01T00:00:00.000Z');
const TIED_TOTAL = 5_000;
/** The order id docs/orders.md's variables hold. */
const PLACEHOLDER = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  stack = await startStack({
    onQuery: (subgraph, sql) => {
      if (!RELAY_SQL.test(sql)) statements[subgraph] = (statements[subgraph] ?? 0) + 1;
    },
  });
  await stack.startWorkers();
  const probe = orderProbes(stack);
  const [admin, ...shoppers] = await Promise.all([
    stack.db.user.user.findFirstOrThrow({ where: { role: 'ADMIN' }, orderBy: { id: 'asc' } }),
    ...[0, 1, 2, 3].map((skip) =>
      stack.db.user.user.findFirstOrThrow({ where: { role: 'CUSTOMER' }, orderBy: { id: 'asc' }, skip: 60 + skip }),
    ),
  ]);
  adminToken = await mintAccessToken({ userId: admin!.id, role: 'ADMIN' });
  for (const s of shoppers) customers.push({ id: s.id, email: s.email, token: await mintAccessToken({ userId: s.id, role: 'CUSTOMER' }) });
  await stack.db.product.product.updateMany({ where: { id: { in: [5, 6, 7, 8] } }, data: { stock: 1000 } });

  // Three customers, three orders each, placed through checkout; the first order of the first two
  // is the same cart, so their totals tie.
  const carts = [
    [{ productId: 5, quantity: 1 }],
    [{ productId: 6, quantity: 2 }],
    [
      { productId: 7, quantity: 1 },
      { productId: 8, quantity: 3 },
    ],
  ];
  await Promise.all(
    customers.slice(0, 3).map(async (c, i) => {
      for (const [n, lines] of (i === 2 ? [...carts].reverse() : carts).entries()) {
        await fillCart(stack, c.token, lines);
        const id = await checkout(stack, c.token, `manage-${i}-${n}`);
        expect((await probe.settled(id)).status).toBe('CONFIRMED');
      }
    }),
  );
  // Some orders move on: one cancelled, one shipped.
  const [toCancel, toShip] = await stack.db.order.order.findMany({
    where: { userId: customers[0]!.id },
    orderBy: { createdAt: 'asc' },
    take: 2,
  });
  expect(
    (await stack.gql('mutation($id: ID!) { cancelOrder(id: $id) { id } }', { id: toCancel!.id }, customers[0]!.token)).errors,
  ).toBeUndefined();
  const shipped = await stack.gql(
    'mutation($id: ID!) { shipOrder(id: $id, carrier: DHL, trackingNumber: "1234567890") { id } }',
    { id: toShip!.id },
    adminToken,
  );
  expect(shipped.errors).toBeUndefined();
  // The fourth customer's orders were imported: five at the same instant with the same total.
  const d = customers[3]!;
  for (let n = 0; n < 5; n++) {
    await stack.db.order.order.create({
      data: {
        userId: d.id,
        customerEmail: d.email,
        idempotencyKey: `import-${n}`,
        subtotalCents: TIED_TOTAL,
        totalCents: TIED_TOTAL,
        status: 'CONFIRMED',
        createdAt: TIED_AT,
      },
    });
  }
  // Background work of the checkouts (emails, purchases) must be over before statements are counted.
  const { queues } = stack.orderServices;
  for (const queue of Object.values(queues)) {
    for (;;) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
      if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

const ADMIN_PAGE = `query AdminOrders($filter: OrderFilter, $sort: OrderSort, $first: Int, $after: String) {
  orders(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id user { id } } }
  }
}`;
const MY_PAGE = `query MyOrders($filter: OrderFilter, $sort: OrderSort, $first: Int, $after: String) {
  me { orders(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id user { id } } }
  } }
}`;

/** Pages through a listing `first` at a time; returns every node id in the order served and the total count. */
async function pageThrough(token: string, mine: boolean, args: { filter?: Filter; sort?: Sort }, first: number) {
  const ids: string[] = [];
  const owners = new Set<string>();
  let after: string | null = null;
  let totalCount = -1;
  for (let pages = 0; pages < 100; pages++) {
    const res: GraphQLResponse<{ orders?: Page; me?: { orders: Page } }> = await stack.gql(
      mine ? MY_PAGE : ADMIN_PAGE,
      { ...args, first, after },
      token,
    );
    expect(res.errors).toBeUndefined();
    const page = mine ? res.data!.me!.orders : res.data!.orders!;
    expect(page.edges.length).toBeLessThanOrEqual(first);
    totalCount = page.totalCount;
    for (const e of page.edges) {
      ids.push(e.node.id);
      owners.add(e.node.user.id);
    }
    if (!page.pageInfo.hasNextPage) return { ids, owners, totalCount };
    after = page.pageInfo.endCursor;
  }
  throw new Error('more than 100 pages');
}

/** The expected listing, computed here from the database rows: the filter's rows in the sort's order, ties by id. */
function expected(rows: Row[], filter: Filter, sort: Sort, userId?: number): string[] {
  const after = filter.createdAfter ? Date.parse(filter.createdAfter) : -Infinity;
  const before = filter.createdBefore ? Date.parse(filter.createdBefore) : Infinity;
  const keep = rows.filter(
    (r) =>
      (userId === undefined || r.userId === userId) &&
      (!filter.status || filter.status.includes(r.status)) &&
      (filter.customerEmail === undefined || r.customerEmail === filter.customerEmail.toLowerCase()) &&
      r.createdAt.getTime() > after &&
      r.createdAt.getTime() < before &&
      r.totalCents >= (filter.minTotal ?? 0) &&
      r.totalCents <= (filter.maxTotal ?? Infinity),
  );
  const key = (r: Row) => (sort.startsWith('TOTAL') ? r.totalCents : r.createdAt.getTime());
  const asc = [...keep].sort((a, b) => key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return (sort.endsWith('DESC') ? asc.reverse() : asc).map((r) => r.id);
}

const allRows = (): Promise<Row[]> =>
  stack.db.order.order.findMany({
    select: { id: true, userId: true, status: true, customerEmail: true, createdAt: true, totalCents: true },
  });

test.each(SORTS)('the admin pages through every order exactly once, in %s order (ties by id)', async (sort) => {
  const rows = await allRows();
  expect(rows).toHaveLength(14);
  const { ids, totalCount } = await pageThrough(adminToken, false, { sort }, 4);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(expected(rows, {}, sort));
  expect(totalCount).toBe(14);
});

test('filters, alone and together, under every sort: what an independent computation over the rows gives', async () => {
  const rows = await allRows();
  const placed = rows
    .filter((r) => r.createdAt.getTime() !== TIED_AT.getTime())
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const totals = [...new Set(rows.map((r) => r.totalCents))].sort((a, b) => a - b);
  const filters: Filter[] = [
    { status: ['CANCELLED'] },
    { status: ['CONFIRMED', 'SHIPPED'] },
    // Stored lower case; compared whatever the case typed.
    { customerEmail: customers[1]!.email.toUpperCase() },
    { createdAfter: placed[2]!.createdAt.toISOString(), createdBefore: placed[7]!.createdAt.toISOString() },
    { createdAfter: '2025-12-31T23:59:59.999Z', createdBefore: '2026-01-01T00:00:00.001Z' },
    { minTotal: totals[1]!, maxTotal: totals.at(-2)! },
    { minTotal: TIED_TOTAL, maxTotal: TIED_TOTAL },
    { status: ['CONFIRMED'], customerEmail: customers[2]!.email, minTotal: totals[1]! },
    { customerEmail: 'nobody@example.com' },
  ];
  for (const filter of filters) {
    for (const sort of SORTS) {
      const want = expected(rows, filter, sort);
      const { ids, totalCount } = await pageThrough(adminToken, false, { filter, sort }, 2);
      expect({ filter, sort, ids }).toEqual({ filter, sort, ids: want });
      expect(totalCount).toBe(want.length);
    }
  }
  // The sample is not degenerate: each filter of one condition keeps some orders and drops others.
  for (const filter of filters.slice(0, 7)) {
    const n = expected(rows, filter, 'TOTAL_ASC').length;
    expect({ filter, some: n > 0 && n < rows.length }).toEqual({ filter, some: true });
  }
  // About 150 requests: a loaded machine is slow, not broken.
}, 300_000);

test('a customer sees only their orders, with the same filters and sorts; the admin listing is not theirs to read', async () => {
  const rows = await allRows();
  for (const c of customers) {
    for (const sort of SORTS) {
      for (const filter of [{}, { status: ['CONFIRMED'] }, { minTotal: TIED_TOTAL }] as Filter[]) {
        const { ids, owners } = await pageThrough(c.token, true, { filter, sort }, 2);
        expect(ids).toEqual(expected(rows, filter, sort, c.id));
        if (ids.length > 0) expect([...owners]).toEqual([String(c.id)]);
      }
    }
  }
  // Someone else's email filters the customer's own orders: nothing.
  expect((await pageThrough(customers[0]!.token, true, { filter: { customerEmail: customers[1]!.email } }, 5)).ids).toEqual([]);
  const refused = await stack.gql(ADMIN_PAGE, {}, customers[0]!.token);
  expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  expect(refused.data).toBeNull();
  expect((await stack.gql(ADMIN_PAGE, {})).errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
}, 300_000);

test('bad filters and cursors are BAD_USER_INPUT naming the argument', async () => {
  const fieldOf = async (variables: Record<string, unknown>) => {
    const res = await stack.gql(ADMIN_PAGE, variables, adminToken);
    return res.errors?.map((e) => [e.extensions?.code, e.extensions?.field]);
  };
  expect(await fieldOf({ filter: { minTotal: 500, maxTotal: 100 } })).toEqual([['BAD_USER_INPUT', 'filter.minTotal']]);
  expect(await fieldOf({ filter: { minTotal: -1 } })).toEqual([['BAD_USER_INPUT', 'filter.minTotal']]);
  expect(await fieldOf({ filter: { createdAfter: 'yesterday' } })).toEqual([['BAD_USER_INPUT', 'filter.createdAfter']]);
  expect(await fieldOf({ filter: { createdBefore: '2026-02-30T00:00:00Z' } })).toEqual([['BAD_USER_INPUT', 'filter.createdBefore']]);
  expect(await fieldOf({ filter: { createdAfter: '2026-02-01T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' } })).toEqual([
    ['BAD_USER_INPUT', 'filter.createdAfter'],
  ]);
  expect(await fieldOf({ filter: { customerEmail: `${'a'.repeat(250)}@x.io` } })).toEqual([['BAD_USER_INPUT', 'filter.customerEmail']]);
  expect(await fieldOf({ first: 101 })).toEqual([['BAD_USER_INPUT', 'first']]);
  // A cursor of one sort does not page another.
  const first = await stack.gql<{ orders: Page }>(ADMIN_PAGE, { sort: 'TOTAL_DESC', first: 1 }, adminToken);
  expect(await fieldOf({ sort: 'TOTAL_ASC', after: first.data!.orders.pageInfo.endCursor })).toEqual([['BAD_USER_INPUT', 'after']]);
  expect(await fieldOf({ after: Buffer.from(JSON.stringify({ s: 'TOTAL_DESC', k: 'ten', id: 'x' })).toString('base64url') })).toEqual([
    ['BAD_USER_INPUT', 'after'],
  ]);
});

test('a page costs the same SQL statements in every subgraph whether it holds 2 orders or 8, timelines, returns and refunds and all', async () => {
  const query = `query Page($first: Int, $after: String) {
    orders(first: $first, after: $after, sort: TOTAL_DESC) {
      totalCount pageInfo { endCursor }
      edges { node { id status total { amount } payment { status } trackingUrl
        items { quantity product { title } }
        user { email }
        timeline { status occurredAt actor { kind role user { id } } }
        returns { id status lines { quantity } } refunds { id status amount { amount } } } }
    }
  }`;
  const measure = async (variables: Record<string, unknown>) => {
    for (const k of Object.keys(statements)) delete statements[k as SubgraphName];
    const res = await stack.gql<{ orders: { edges: { node: { timeline: unknown[] } }[]; pageInfo: { endCursor: string } } }>(
      query,
      variables,
      adminToken,
    );
    expect(res.errors).toBeUndefined();
    return { count: { ...statements }, edges: res.data!.orders.edges, endCursor: res.data!.orders.pageInfo.endCursor };
  };
  const small = await measure({ first: 2 });
  const large = await measure({ first: 8 });
  const next = await measure({ first: 8, after: small.endCursor });
  expect(small.edges).toHaveLength(2);
  expect(large.edges).toHaveLength(8);
  expect(next.edges).toHaveLength(8);
  // Placed orders have their timelines (imported ones have none): the page really loaded them.
  expect(large.edges.some((e) => e.node.timeline.length >= 2)).toBe(true);
  expect(small.count.order).toBeGreaterThan(0);
  expect(large.count).toEqual(small.count);
  expect(next.count).toEqual(small.count);
});

test("docs/orders.md's operations run as pasted (the placeholder id replaced by an order's)", async () => {
  const doc = readFileSync(path.join(__dirname, '../../docs/orders.md'), 'utf8');
  const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang, body: body ?? '' }));
  const placed = await stack.db.order.order.findFirstOrThrow({ where: { userId: customers[2]!.id, status: 'CONFIRMED' } });
  const ran: string[] = [];
  for (const [i, block] of blocks.entries()) {
    if (block.lang !== 'graphql') continue;
    const operation = parse(block.body).definitions[0] as OperationDefinitionNode;
    const name = operation.name!.value;
    const next = blocks[i + 1];
    const variables = next?.lang === 'json' ? (JSON.parse(next.body.replace(PLACEHOLDER, placed.id)) as Record<string, unknown>) : {};
    if (operation.operation === 'subscription') continue; // graphql-ws only; fulfilment.test.ts subscribes to the same fields
    const res = await stack.gql(block.body, variables, name === 'MyOrders' ? customers[2]!.token : adminToken);
    expect({ name, errors: res.errors }).toEqual({ name, errors: undefined });
    ran.push(name);
  }
  expect(ran).toEqual(['AdminOrders', 'MyOrders', 'OrderTimeline', 'ShipWithTracking', 'MarkDelivered']);
  expect(await stack.db.order.order.findUniqueOrThrow({ where: { id: placed.id } })).toMatchObject({
    status: 'DELIVERED',
    carrier: 'UPS',
    trackingNumber: '1Z999AA10123456784',
  });
});
