import { CALLER_TOKEN_HEADER, signCallerToken, type Caller } from '@commerce/common';
import { seedProducts } from '@commerce/product';
import { DEPARTMENTS, loadCatalog, type Catalog, type DummyProduct } from '@commerce/seed-data';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/**
 * Issue 10, item 2: the product subgraph's shipping, returns and tax data, read through the gateway
 * and through `_entities` as the order subgraph's checkout reads it (a service caller).
 */

const SHIPPING_FIELDS = `
  id weight dimensions { width height depth } shippingInformation handlingDays
  returnPolicy returnWindowDays warrantyInformation taxCategory categoryPath`;

interface ShippingNode {
  id: string;
  weight: number;
  dimensions: { width: number; height: number; depth: number };
  shippingInformation: string | null;
  handlingDays: number;
  returnPolicy: string | null;
  returnWindowDays: number | null;
  warrantyInformation: string | null;
  taxCategory: 'STANDARD' | 'REDUCED';
  categoryPath: string[];
}

// Written out from the rules for the texts the catalog uses, not computed by the parser under test.
const HANDLING_DAYS: Record<string, number> = {
  'Ships overnight': 1,
  'Ships in 1-2 business days': 2,
  'Ships in 3-5 business days': 5,
  'Ships in 1 week': 5,
  'Ships in 2 weeks': 10,
  'Ships in 1 month': 20,
};
const RETURN_WINDOW_DAYS: Record<string, number | null> = {
  'No return policy': null,
  '7 days return policy': 7,
  '30 days return policy': 30,
  '60 days return policy': 60,
  '90 days return policy': 90,
};

function expected(p: DummyProduct): ShippingNode {
  const department = DEPARTMENTS.find((d) => d.children.includes(p.category));
  return {
    id: String(p.id),
    weight: p.weight,
    dimensions: p.dimensions,
    shippingInformation: p.shippingInformation ?? null,
    handlingDays: HANDLING_DAYS[p.shippingInformation!]!,
    returnPolicy: p.returnPolicy ?? null,
    returnWindowDays: RETURN_WINDOW_DAYS[p.returnPolicy!]!,
    warrantyInformation: p.warrantyInformation ?? null,
    taxCategory: p.category === 'groceries' ? 'REDUCED' : 'STANDARD',
    categoryPath: department ? [department.slug, p.category] : [p.category],
  };
}

let stack: Stack;
let catalog: Catalog;
const statements: string[] = [];
let counting = false;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([
    startStack({
      onQuery: (subgraph, sql) => {
        if (counting && subgraph === 'product') statements.push(sql);
      },
    }),
    loadCatalog(),
  ]);
});
afterAll(() => stack?.close());

async function allProducts(): Promise<ShippingNode[]> {
  const nodes: ShippingNode[] = [];
  let after: string | null = null;
  do {
    const res: Awaited<
      ReturnType<typeof stack.gql<{ products: { edges: { node: ShippingNode }[]; pageInfo: { endCursor: string; hasNextPage: boolean } } }>>
    > = await stack.gql(
      `query Shipping($after: String) { products(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${SHIPPING_FIELDS} } } } }`,
      { after },
    );
    expect(res.errors).toBeUndefined();
    nodes.push(...res.data!.products.edges.map((e) => e.node));
    after = res.data!.products.pageInfo.hasNextPage ? res.data!.products.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

async function direct(query: string, variables: Record<string, unknown>, caller: Caller) {
  const response = await fetch(stack.subgraphs.product.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CALLER_TOKEN_HEADER]: await signCallerToken(caller, INTERNAL_SECRET) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: { _entities: (ShippingNode | null)[] }; errors?: unknown[] };
}

test('every catalog product carries its DummyJSON weight, dimensions and terms, through the gateway', async () => {
  // The texts the expectations are written for are the only ones in the data; a new one fails here.
  expect(new Set(catalog.products.map((p) => p.shippingInformation))).toEqual(new Set(Object.keys(HANDLING_DAYS)));
  expect(new Set(catalog.products.map((p) => p.returnPolicy))).toEqual(new Set(Object.keys(RETURN_WINDOW_DAYS)));
  const nodes = await allProducts();
  expect(nodes).toHaveLength(catalog.products.length);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const p of catalog.products) expect(byId.get(String(p.id))).toEqual(expected(p));
  expect(nodes.filter((n) => n.taxCategory === 'REDUCED').length).toBe(catalog.products.filter((p) => p.category === 'groceries').length);
  expect(nodes.some((n) => n.returnWindowDays === null)).toBe(true);
});

test('categoryPath and taxCategory of a page cost one statement, whatever the number of products', async () => {
  statements.length = 0;
  counting = true;
  const res = await stack.gql<{ products: { edges: unknown[] } }>(
    '{ products(first: 100) { edges { node { id taxCategory categoryPath } } } }',
  );
  counting = false;
  expect(res.errors).toBeUndefined();
  expect(res.data!.products.edges).toHaveLength(100);
  // The page, then the category paths of its distinct categories.
  expect(statements.filter((sql) => /WITH RECURSIVE up/.test(sql))).toHaveLength(1);
  expect(statements).toHaveLength(2);
});

test('_entities resolves the fields for a service caller (the checkout) and for an anonymous one', async () => {
  const sample = [catalog.products.find((p) => p.category === 'groceries')!, catalog.products.find((p) => p.category === 'laptops')!];
  const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { ${SHIPPING_FIELDS} } } }`;
  const r = [...sample.map((p) => ({ __typename: 'Product', id: String(p.id) })), { __typename: 'Product', id: '999999' }];
  for (const caller of [{ kind: 'service', service: 'order' }, { kind: 'anonymous' }] as const) {
    const res = await direct(query, { r }, caller);
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([...sample.map(expected), null]);
  }
  expect(sample.map((p) => expected(p).taxCategory)).toEqual(['REDUCED', 'STANDARD']);
});

test('a category below groceries is REDUCED too, with its full path', async () => {
  const groceries = await stack.db.product.category.findUniqueOrThrow({ where: { slug: 'groceries' } });
  const fruit = await stack.db.product.category.create({ data: { slug: 'fresh-fruit', name: 'Fresh Fruit', parentId: groceries.id } });
  const apple = catalog.products.find((p) => p.category === 'laptops')!;
  await stack.db.product.product.update({ where: { id: apple.id }, data: { categoryId: fruit.id } });
  try {
    const res = await stack.gql<{ product: ShippingNode }>('query($id: ID!) { product(id: $id) { taxCategory categoryPath } }', {
      id: String(apple.id),
    });
    expect(res.data!.product).toEqual({ taxCategory: 'REDUCED', categoryPath: ['food-and-grocery', 'groceries', 'fresh-fruit'] });
  } finally {
    const laptops = await stack.db.product.category.findUniqueOrThrow({ where: { slug: 'laptops' } });
    await stack.db.product.product.update({ where: { id: apple.id }, data: { categoryId: laptops.id } });
    await stack.db.product.category.delete({ where: { id: fruit.id } });
  }
});

test('re-seeding fills in shipping data on rows imported before it existed, and leaves other rows alone', async () => {
  const [first, second] = catalog.products;
  await stack.db.product.product.update({
    where: { id: first!.id },
    data: { weightKg: 0, widthCm: 0, heightCm: 0, depthCm: 0, shippingInformation: null, returnPolicy: null, warrantyInformation: null },
  });
  // An admin's later edit (here: straight in the row) is not overwritten by a re-seed.
  await stack.db.product.product.update({ where: { id: second!.id }, data: { weightKg: 42 } });
  await seedProducts(stack.db.product, catalog);
  const rows = await stack.db.product.product.findMany({ where: { id: { in: [first!.id, second!.id] } }, orderBy: { id: 'asc' } });
  expect(rows[0]).toMatchObject({
    weightKg: first!.weight,
    widthCm: first!.dimensions.width,
    shippingInformation: first!.shippingInformation,
  });
  expect(rows[1]!.weightKg).toBe(42);
  await stack.db.product.product.update({ where: { id: second!.id }, data: { weightKg: second!.weight } });
});

describe('admins set the shipping data of their products', () => {
  let adminToken: string;
  beforeAll(async () => {
    const admin = catalog.users.find((u) => u.role === 'admin')!;
    adminToken = await mintAccessToken({ userId: admin.id, role: 'ADMIN' });
  });
  const CREATE = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { ${SHIPPING_FIELDS} } }`;
  const UPDATE = `mutation Update($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { ${SHIPPING_FIELDS} } }`;
  const base = { title: 'Rice 5 kg', description: 'Long grain', categorySlug: 'groceries', priceCents: 899 };

  test('createProduct stores them; updateProduct changes or clears them', async () => {
    const created = await stack.gql<{ createProduct: ShippingNode }>(
      CREATE,
      {
        input: {
          ...base,
          sku: 'SHIP-RICE-1',
          weight: 5.2,
          dimensions: { width: 20, height: 35.5, depth: 8 },
          shippingInformation: 'Ships in 2-4 business days',
          returnPolicy: '14 days return policy',
          warrantyInformation: 'No warranty',
        },
      },
      adminToken,
    );
    expect(created.errors).toBeUndefined();
    const product = created.data!.createProduct;
    expect(product).toEqual({
      id: expect.any(String),
      weight: 5.2,
      dimensions: { width: 20, height: 35.5, depth: 8 },
      shippingInformation: 'Ships in 2-4 business days',
      handlingDays: 4,
      returnPolicy: '14 days return policy',
      returnWindowDays: 14,
      warrantyInformation: 'No warranty',
      taxCategory: 'REDUCED',
      categoryPath: ['food-and-grocery', 'groceries'],
    });
    const updated = await stack.gql<{ updateProduct: ShippingNode }>(
      UPDATE,
      { id: product.id, input: { weight: 0.75, returnPolicy: null, categorySlug: 'laptops' } },
      adminToken,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateProduct).toMatchObject({
      weight: 0.75,
      dimensions: { width: 20, height: 35.5, depth: 8 },
      shippingInformation: 'Ships in 2-4 business days',
      returnPolicy: null,
      returnWindowDays: null,
      taxCategory: 'STANDARD',
      categoryPath: ['electronics', 'laptops'],
    });
  });

  test('left out, weight and dimensions are 0 and the terms take their defaults', async () => {
    const created = await stack.gql<{ createProduct: ShippingNode }>(CREATE, { input: { ...base, sku: 'SHIP-RICE-2' } }, adminToken);
    expect(created.errors).toBeUndefined();
    expect(created.data!.createProduct).toMatchObject({
      weight: 0,
      dimensions: { width: 0, height: 0, depth: 0 },
      shippingInformation: null,
      handlingDays: 3,
      returnWindowDays: null,
    });
  });

  test.each([
    [{ weight: -1 }, 'weight'],
    [{ weight: 10_001 }, 'weight'],
    [{ dimensions: { width: 10, height: -2, depth: 10 } }, 'dimensions.height'],
    [{ shippingInformation: 'x'.repeat(201) }, 'shippingInformation'],
  ])('%p → BAD_USER_INPUT naming %s, nothing written', async (bad, field) => {
    const sku = `SHIP-BAD-${field.replace('.', '-')}`;
    const res = await stack.gql(CREATE, { input: { ...base, sku, ...bad } }, adminToken);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await stack.db.product.product.count({ where: { sku } })).toBe(0);
  });
});
