import { createRedis, createServiceClient, lineTotal, productStockChannel, type ProductStockEvent, type Redis } from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';

// The admin catalog through the gateway: roles, validation, archive, stock adjustments with their
// audit trail, and the stock events the product subgraph publishes on Redis.

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
      sku
      title
      stock
      archived
      price {
        amount
      }
      discountPercentage
      salePrice {
        amount
      }
      category {
        slug
      }
    }
  }
`;
const ADJUST = /* GraphQL */ `
  mutation Adjust($id: ID!, $delta: Int!, $reason: String!) {
    adjustStock(productId: $id, delta: $delta, reason: $reason) {
      product {
        id
        stock
      }
      movement {
        delta
        stockAfter
        reason
        note
        actorId
      }
    }
  }
`;
const MOVEMENTS =
  'query($id: ID!) { stockMovements(productId: $id, first: 10) { edges { node { delta stockAfter reason note orderId } } } }';

let stack: Stack;
let catalog: Catalog;
let subscriber: Redis;
const events: ProductStockEvent[] = [];
let admin: { id: number; token: string };
let customerToken: string;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  subscriber = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  subscriber.on('message', (_channel: string, message: string) => events.push(JSON.parse(message) as ProductStockEvent));
  await subscriber.subscribe(productStockChannel(stack.redisPrefix));
  const adminUser = catalog.users.find((u) => u.role === 'admin')!;
  const customer = catalog.users.find((u) => u.role === 'user')!;
  admin = { id: adminUser.id, token: await stack.login(adminUser.username, adminUser.password) };
  customerToken = await stack.login(customer.username, customer.password);
});
afterAll(async () => {
  await subscriber?.quit();
  await stack?.close();
});

const input = (overrides: Record<string, unknown> = {}) => ({
  sku: `TEST-${Math.random().toString(36).slice(2, 10)}`,
  title: 'Trail Running Shoe Zephyr',
  description: 'A light trail running shoe with a grippy sole.',
  brand: 'Zephyr',
  categorySlug: catalog.products[0]!.category,
  priceCents: 12_999,
  discountPercentage: 12.5,
  stock: 7,
  tags: ['running', 'shoes'],
  ...overrides,
});

const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

test('customers and anonymous callers cannot change the catalog or read the stock audit trail', async () => {
  expect(codeOf(await stack.gql(CREATE, { input: input() }, customerToken))).toBe('FORBIDDEN');
  expect(codeOf(await stack.gql(CREATE, { input: input() }))).toBe('UNAUTHENTICATED');
  expect(codeOf(await stack.gql(ADJUST, { id: '1', delta: 5, reason: 'found more' }, customerToken))).toBe('FORBIDDEN');
  expect(codeOf(await stack.gql('mutation { archiveProduct(id: "1") { id } }', {}, customerToken))).toBe('FORBIDDEN');
  expect(codeOf(await stack.gql('mutation { updateProduct(id: "1", input: { title: "x" }) { id } }', {}, customerToken))).toBe('FORBIDDEN');
  expect(codeOf(await stack.gql(MOVEMENTS, { id: '1' }, customerToken))).toBe('FORBIDDEN');
  // Nothing changed.
  expect(await stack.db.product.product.count()).toBe(catalog.products.length);
});

test('an admin creates a product: priced in cents, findable, with its initial stock audited and published', async () => {
  const created = await stack.gql<{ createProduct: Record<string, unknown> & { id: string } }>(CREATE, { input: input() }, admin.token);
  expect(created.errors).toBeUndefined();
  const product = created.data!.createProduct;
  expect(product).toMatchObject({
    title: 'Trail Running Shoe Zephyr',
    stock: 7,
    archived: false,
    price: { amount: 12_999 },
    discountPercentage: 12.5,
    salePrice: { amount: lineTotal(12_999, 1, 1250) },
    category: { slug: catalog.products[0]!.category },
  });
  const found = await stack.gql<{ products: { edges: { node: { id: string } }[] } }>(
    '{ products(first: 5, filter: { search: "zephyr trail" }) { edges { node { id } } } }',
  );
  expect(found.data!.products.edges[0]!.node.id).toBe(product.id);
  const movements = await stack.gql<{ stockMovements: { edges: { node: Record<string, unknown> }[] } }>(
    MOVEMENTS,
    { id: product.id },
    admin.token,
  );
  expect(movements.data!.stockMovements.edges.map((e) => e.node)).toEqual([
    { delta: 7, stockAfter: 7, reason: 'ADJUSTMENT', note: 'initial stock', orderId: null },
  ]);
  await eventually(async () => (events.some((e) => e.productId === product.id && e.stock === 7) ? true : undefined), 'stock event');
});

test("a created or renamed product's title and brand words join the search vocabulary, so a typo of them finds it", async () => {
  const search = async (text: string) =>
    (
      await stack.gql<{ products: { edges: { node: { id: string } }[] } }>(
        'query($s: String!) { products(first: 5, filter: { search: $s }) { edges { node { id } } } }',
        {
          s: text,
        },
      )
    ).data!.products.edges.map((e) => e.node.id);
  // Before the product exists, no word of the catalog is like these typos.
  expect(await search('quokak')).toEqual([]);
  expect(await search('narwhla')).toEqual([]);
  const created = await stack.gql<{ createProduct: { id: string } }>(
    CREATE,
    { input: input({ title: 'Quokka Travel Lantern', brand: 'Lumenor' }) },
    admin.token,
  );
  const { id } = created.data!.createProduct;
  expect(await search('quokak')).toEqual([id]);
  expect(await search('lumenro lantern')).toEqual([id]);

  const renamed = await stack.gql(
    `mutation { updateProduct(id: "${id}", input: { title: "Narwhal Travel Lantern" }) { id } }`,
    {},
    admin.token,
  );
  expect(renamed.errors).toBeUndefined();
  expect(await search('narwhla')).toEqual([id]);
  // The old title's word stays in the vocabulary, but no product has it now.
  expect(await search('quokak')).toEqual([]);
});

test('invalid input is BAD_USER_INPUT, an unknown category NOT_FOUND, a SKU in use CONFLICT', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ priceCents: -1 }, 'BAD_USER_INPUT'],
    [{ discountPercentage: 10.125 }, 'BAD_USER_INPUT'],
    [{ discountPercentage: 101 }, 'BAD_USER_INPUT'],
    [{ title: '   ' }, 'BAD_USER_INPUT'],
    [{ sku: 'has spaces' }, 'BAD_USER_INPUT'],
    [{ images: ['not a url'] }, 'BAD_USER_INPUT'],
    [{ categorySlug: 'no-such-category' }, 'NOT_FOUND'],
    [{ sku: catalog.products[0]!.sku }, 'CONFLICT'],
  ];
  for (const [overrides, code] of cases) {
    const res = await stack.gql(CREATE, { input: input(overrides) }, admin.token);
    expect([overrides, codeOf(res)]).toEqual([overrides, code]);
  }
});

test('updating price or discount moves the sale price, and price filters follow', async () => {
  const { id } = (
    await stack.gql<{ createProduct: { id: string } }>(CREATE, { input: input({ title: 'Price Probe Widget' }) }, admin.token)
  ).data!.createProduct;
  const updated = await stack.gql<{ updateProduct: { price: { amount: number }; salePrice: { amount: number }; brand: string | null } }>(
    `mutation { updateProduct(id: "${id}", input: { priceCents: 55555, discountPercentage: 0, brand: null }) { price { amount } salePrice { amount } brand } }`,
    {},
    admin.token,
  );
  expect(updated.data!.updateProduct).toEqual({ price: { amount: 55_555 }, salePrice: { amount: 55_555 }, brand: null });
  const inRange = await stack.gql<{ products: { edges: { node: { id: string } }[] } }>(
    '{ products(first: 100, filter: { minPrice: 55555, maxPrice: 55555 }) { edges { node { id } } } }',
  );
  expect(inRange.data!.products.edges.map((e) => e.node.id)).toContain(id);
  expect(codeOf(await stack.gql('mutation { updateProduct(id: "999999", input: { title: "x" }) { id } }', {}, admin.token))).toBe(
    'NOT_FOUND',
  );
});

test('an archived product leaves listings, search and checkout but still resolves by id; restoring brings it back', async () => {
  const source = catalog.products.find((p) => p.stock > 0)!;
  const id = String(source.id);
  const listed = async () =>
    (
      await stack.gql<{ products: { edges: { node: { id: string } }[] } }>(
        `{ products(first: 100, filter: { categorySlug: "${source.category}" }) { edges { node { id } } } }`,
      )
    ).data!.products.edges.some((e) => e.node.id === id);
  expect(await listed()).toBe(true);
  const archived = await stack.gql<{ archiveProduct: { archived: boolean } }>(
    `mutation { archiveProduct(id: "${id}") { archived } }`,
    {},
    admin.token,
  );
  expect(archived.data!.archiveProduct.archived).toBe(true);
  expect(await listed()).toBe(false);
  const byId = await stack.gql<{ product: { title: string; archived: boolean } }>(`{ product(id: "${id}") { title archived } }`);
  expect(byId.data!.product).toEqual({ title: source.title, archived: true });
  // The cart still takes it (the cart subgraph does not look at `archived`), but the reservation
  // refuses it, so the checkout fails and no stock is taken.
  const reserve = await stack.db.product.stockReservation.count();
  const buyer = catalog.users.filter((u) => u.role === 'user')[3]!;
  const token = await stack.login(buyer.username, buyer.password);
  const add = await stack.gql(`mutation { addToCart(productId: "${id}", quantity: 1) { totalQuantity } }`, {}, token);
  expect(add.errors).toBeUndefined();
  {
    await stack.startWorkers();
    const placed = await stack.gql<{ checkout: { order: { id: string } } }>(
      'mutation { checkout(input: { idempotencyKey: "archived-1" }) { order { id } } }',
      {},
      token,
    );
    const orderId = placed.data!.checkout.order.id;
    const order = await eventually(async () => {
      const res = await stack.gql<{ order: { status: string; failureReason: string | null } }>(
        `{ order(id: "${orderId}") { status failureReason } }`,
        {},
        token,
      );
      return res.data?.order.status === 'PENDING' ? undefined : res.data?.order;
    }, 'the order to settle');
    expect(order).toEqual({ status: 'FAILED', failureReason: 'PRODUCT_NOT_FOUND' });
    expect(await stack.db.product.stockReservation.count()).toBe(reserve);
    expect((await stack.db.product.product.findUniqueOrThrow({ where: { id: source.id } })).stock).toBe(source.stock);
  }
  await stack.gql(`mutation { restoreProduct(id: "${id}") { archived } }`, {}, admin.token);
  expect(await listed()).toBe(true);
});

test('adjustStock moves stock with a reason, audits it, publishes the new level, and never goes below zero', async () => {
  const source = catalog.products.find((p) => p.stock > 0 && p.stock < 500)!;
  const id = String(source.id);
  const before = (await stack.db.product.product.findUniqueOrThrow({ where: { id: source.id } })).stock;
  const up = await stack.gql<{ adjustStock: { product: { stock: number }; movement: Record<string, unknown> } }>(
    ADJUST,
    { id, delta: 25, reason: 'delivery from supplier' },
    admin.token,
  );
  expect(up.errors).toBeUndefined();
  expect(up.data!.adjustStock).toEqual({
    product: { id, stock: before + 25 },
    movement: { delta: 25, stockAfter: before + 25, reason: 'ADJUSTMENT', note: 'delivery from supplier', actorId: String(admin.id) },
  });
  await eventually(async () => (events.some((e) => e.productId === id && e.stock === before + 25) ? true : undefined), 'stock event');
  const event = events.find((e) => e.productId === id && e.stock === before + 25)!;
  expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);

  const tooMuch = await stack.gql(ADJUST, { id, delta: -(before + 26), reason: 'shrinkage' }, admin.token);
  expect(codeOf(tooMuch)).toBe('CONFLICT');
  expect(codeOf(await stack.gql(ADJUST, { id, delta: 0, reason: 'nothing' }, admin.token))).toBe('BAD_USER_INPUT');
  expect(codeOf(await stack.gql(ADJUST, { id, delta: 1, reason: ' ' }, admin.token))).toBe('BAD_USER_INPUT');
  const down = await stack.gql<{ adjustStock: { product: { stock: number } } }>(
    ADJUST,
    { id, delta: -(before + 25), reason: 'recall' },
    admin.token,
  );
  expect(down.data!.adjustStock.product.stock).toBe(0);
  const movements = await stack.gql<{ stockMovements: { edges: { node: { delta: number; stockAfter: number } }[] } }>(
    MOVEMENTS,
    { id },
    admin.token,
  );
  expect(movements.data!.stockMovements.edges.map((e) => [e.node.delta, e.node.stockAfter])).toEqual([
    [-(before + 25), 0],
    [25, before + 25],
  ]);
});

test('a checkout reservation and its release are audited and each publishes the level after it', async () => {
  // The checkout worker's calls, made directly as a service (they are @inaccessible in the supergraph).
  const inventory = createServiceClient({ url: stack.subgraphUrls.product, service: 'test', secret: INTERNAL_SECRET });
  const [a, b] = catalog.products.filter((p) => p.stock >= 3).slice(-2);
  const stock = async (id: number) => (await stack.db.product.product.findUniqueOrThrow({ where: { id } })).stock;
  const [stockA, stockB] = [await stock(a!.id), await stock(b!.id)];
  const reserved = await inventory.request<{ reserveStock: { ok: boolean } }>(
    'mutation($lines: [StockLineInput!]!) { reserveStock(orderId: "order-audit-1", lines: $lines) { ok } }',
    {
      lines: [
        { productId: String(a!.id), quantity: 2 },
        { productId: String(b!.id), quantity: 1 },
      ],
    },
  );
  expect(reserved.reserveStock.ok).toBe(true);
  const seen = (id: number, level: number) => events.some((e) => e.productId === String(id) && e.stock === level);
  await eventually(async () => (seen(a!.id, stockA - 2) && seen(b!.id, stockB - 1) ? true : undefined), 'reservation events');

  const released = await inventory.request<{ releaseStock: boolean }>('mutation { releaseStock(orderId: "order-audit-1") }');
  expect(released.releaseStock).toBe(true);
  expect([await stock(a!.id), await stock(b!.id)]).toEqual([stockA, stockB]);
  await eventually(
    async () => (events.filter((e) => e.productId === String(a!.id) && e.stock === stockA).length > 0 ? true : undefined),
    'release event',
  );
  // Releasing again changes nothing and publishes nothing new.
  const count = events.length;
  expect((await inventory.request<{ releaseStock: boolean }>('mutation { releaseStock(orderId: "order-audit-1") }')).releaseStock).toBe(
    false,
  );

  const movements = await stack.db.product.stockMovement.findMany({
    where: { orderId: 'order-audit-1' },
    orderBy: { id: 'asc' },
    select: { productId: true, delta: true, stockAfter: true, reason: true },
  });
  expect(movements).toEqual([
    { productId: a!.id, delta: -2, stockAfter: stockA - 2, reason: 'RESERVATION' },
    { productId: b!.id, delta: -1, stockAfter: stockB - 1, reason: 'RESERVATION' },
    { productId: a!.id, delta: 2, stockAfter: stockA, reason: 'RELEASE' },
    { productId: b!.id, delta: 1, stockAfter: stockB, reason: 'RELEASE' },
  ]);
  expect(events.length).toBe(count);
});

test("the search's table follows every write of what it copies, and stock moves that keep a product in stock leave it alone", async () => {
  // ProductSearch is kept by triggers on Product (migration product_search): each kind of writer
  // below goes through its own code path (admin mutations, the inventory's reservation, a raw
  // UPDATE as the rating sync's updateMany sends), and the table must agree with Product after each.
  const inventory = createServiceClient({ url: stack.subgraphUrls.product, service: 'test', secret: INTERNAL_SECRET });
  const { id } = (
    await stack.gql<{ createProduct: { id: string } }>(
      CREATE,
      { input: input({ title: 'Quokka Lantern', brand: 'Quokkalux', stock: 2, priceCents: 4_000, discountPercentage: 0 }) },
      admin.token,
    )
  ).data!.createProduct;
  const found = async (filter: Record<string, unknown>) =>
    (
      await stack.gql<{ products: { edges: { node: { id: string } }[] } }>(
        'query($f: ProductFilter) { products(first: 5, filter: $f) { edges { node { id } } } }',
        { f: { search: 'quokka lantern', ...filter } },
      )
    ).data!.products.edges.some((e) => e.node.id === id);
  const version = async () =>
    (await stack.db.product.$queryRaw<{ v: string }[]>`SELECT xmin::text AS "v" FROM "ProductSearch" WHERE "id" = ${Number(id)}`)[0]?.v;
  expect(await found({ inStock: true, brand: 'QUOKKALUX', minPrice: 4_000, maxPrice: 4_000 })).toBe(true);

  // 2 → 1 keeps it in stock: the row is not rewritten. 1 → 0 by a reservation takes it out of the in-stock search.
  const before = await version();
  await stack.gql(ADJUST, { id, delta: -1, reason: 'display model' }, admin.token);
  expect(await version()).toBe(before);
  await inventory.request('mutation($lines: [StockLineInput!]!) { reserveStock(orderId: "order-search-1", lines: $lines) { ok } }', {
    lines: [{ productId: id, quantity: 1 }],
  });
  expect(await found({ inStock: true })).toBe(false);
  expect(await found({})).toBe(true);
  await inventory.request('mutation { releaseStock(orderId: "order-search-1") }');
  expect(await found({ inStock: true })).toBe(true);

  const renamed = await stack.gql(
    `mutation { updateProduct(id: "${id}", input: { title: "Wombat Lantern", brand: "Wombatco", priceCents: 9000 }) { id } }`,
    {},
    admin.token,
  );
  expect(renamed.errors).toBeUndefined();
  expect(await found({})).toBe(false);
  expect(await found({ search: 'wombat lantern', minPrice: 9_000 })).toBe(true);
  await stack.db.product.$executeRaw`UPDATE "Product" SET "averageRating" = 4.5 WHERE "id" = ${Number(id)}`;
  expect(await found({ search: 'wombat lantern', minRating: 4.5 })).toBe(true);
  await stack.gql(`mutation { archiveProduct(id: "${id}") { archived } }`, {}, admin.token);
  expect(await found({ search: 'wombat lantern' })).toBe(false);
  await stack.gql(`mutation { restoreProduct(id: "${id}") { archived } }`, {}, admin.token);
  expect(await found({ search: 'wombat lantern', minRating: 4.5 })).toBe(true);

  // And the whole table, after every test of this file: one row per live product, each a copy.
  const drift = await stack.db.product.$queryRaw<{ id: number | null }[]>`
    SELECT coalesce(p."id", s."id") AS "id"
    FROM (SELECT * FROM "Product" WHERE "archivedAt" IS NULL) p FULL JOIN "ProductSearch" s ON s."id" = p."id"
    WHERE p."id" IS NULL OR s."id" IS NULL
      OR (s."document", s."categoryId", s."salePriceCents", s."inStock", s."brandKey") IS DISTINCT FROM
         (p."searchDocument", p."categoryId", p."salePriceCents", p."stock" > 0, lower(p."brand"))
      OR s."averageRating" IS DISTINCT FROM p."averageRating"`;
  expect(drift).toEqual([]);
});
