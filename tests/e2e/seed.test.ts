import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { applyMigrations, cloneDatabase, dropDatabase, ensureDatabase } from '@commerce/db-tools';
import { seedSynthetic } from '../../scripts/seed';
import { templateUrls, urlOf } from '../support/databases';

// db:seed --synthetic against real PostgreSQL: exact counts, aggregates that agree across the
// product and review databases, idempotence, and no mixing with another catalog.

const id = `seed_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
const urls = { user: urlOf(`${id}_user`), product: urlOf(`${id}_product`), review: urlOf(`${id}_review`) };
const seeded = urlOf(`${id}_dummyjson_product`);

beforeAll(async () => {
  for (const s of ['user', 'product', 'review'] as const) {
    await ensureDatabase(urls[s]);
    await applyMigrations(s, urls[s]);
  }
  await cloneDatabase(templateUrls(process.env.TEST_RUN_ID!).product, seeded);
});
afterAll(async () => {
  await Promise.all([...Object.values(urls), seeded].map((u) => dropDatabase(u)));
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

test('seeds exactly the synthetic catalog asked for, consistently, once', async () => {
  const options = { products: 1200, reviews: 9000, users: 40, chunkSize: 500 };
  await expect(seedSynthetic(urls, options)).resolves.toEqual({
    users: 40,
    passwordsHashed: 2,
    categories: expect.any(Number),
    products: 1200,
    reviews: 9000,
  });
  const [products] = await query<{ n: number; reviews: number; sold: number }>(
    urls.product,
    `SELECT count(*)::int AS n, sum("reviewCount")::int AS reviews, count(*) FILTER (WHERE stock = 0)::int AS sold FROM "Product"`,
  );
  expect(products).toEqual({ n: 1200, reviews: 9000, sold: 1200 / 25 });
  // The product subgraph's denormalized counts equal the review subgraph's aggregates, product by product.
  const counts = await query<{ productId: number; reviewCount: number }>(
    urls.review,
    `SELECT "productId", "reviewCount" FROM "ProductRating"`,
  );
  const byProduct = new Map(counts.map((r) => [r.productId, r.reviewCount]));
  const denormalized = await query<{ id: number; reviewCount: number }>(urls.product, `SELECT id, "reviewCount" FROM "Product"`);
  expect(denormalized.filter((p) => (byProduct.get(p.id) ?? 0) !== p.reviewCount)).toEqual([]);
  const [reviews] = await query<{ n: number; pairs: number }>(
    urls.review,
    `SELECT count(*)::int AS n, count(DISTINCT ("productId", "authorId"))::int AS pairs FROM "Review"`,
  );
  expect(reviews).toEqual({ n: 9000, pairs: 9000 });
  const users = await query<{ username: string; passwordHash: string }>(
    urls.user,
    `SELECT username, "passwordHash" FROM "User" ORDER BY id`,
  );
  expect(users).toHaveLength(40);
  expect(users[0]!.username).toBe('emilys');
  // Everyone after emilys shares the synthetic password, hashed once.
  expect(new Set(users.slice(1).map((u) => u.passwordHash)).size).toBe(1);

  await expect(seedSynthetic(urls, options)).resolves.toMatchObject({ users: 0, products: 0, reviews: 0 });
  expect((await query<{ n: number }>(urls.review, `SELECT count(*)::int AS n FROM "Review"`))[0]!.n).toBe(9000);
});

test('refuses to mix a synthetic catalog into databases holding the DummyJSON one', async () => {
  await expect(seedSynthetic({ ...urls, product: seeded }, { products: 10, reviews: 10 })).rejects.toThrow(
    /already holds another catalog \(product 1 is BEA-ESS-ESS-001\)/,
  );
});
