/**
 * totalCount's bound and where it is counted, on a real clone of the seeded product database (the
 * test run's template): a listing stops counting at `countLimit` + 1, and a RELEVANCE search counts
 * its matches in the page's own statement (none at all when its first page is empty).
 */
import { randomBytes } from 'node:crypto';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import { templateUrls, urlOf } from '../../../tests/support/databases';
import { createDb, type ProductDb } from '../src/db';
import { CatalogService, type ProductPage } from '../src/services/catalog.service';

let url: string;
let db: ProductDb;
const statements: string[] = [];

beforeAll(async () => {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) throw new Error('TEST_RUN_ID missing: run the tests through jest (global-setup)');
  url = urlOf(`test_${runId}_${randomBytes(4).toString('hex')}_total_count`);
  await cloneDatabase(templateUrls(runId).product, url);
  db = createDb({ connectionString: url, maxConnections: 2, onQuery: (sql) => statements.push(sql) });
});

afterAll(async () => {
  await db?.$disconnect();
  if (url) await dropDatabase(url);
});

/** Every product of a listing, page by page (100 a page). */
async function everyNode(catalog: CatalogService, load: (after: string | null) => Promise<ProductPage>) {
  const ids: number[] = [];
  for (let after: string | null = null; ;) {
    const page = await load(after);
    ids.push(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasNextPage) return ids;
    after = page.pageInfo.endCursor;
  }
}

describe('totalCount', () => {
  test('is exact up to the limit and limit + 1 beyond it, on every kind of listing', async () => {
    const live = await db.product.count({ where: { archivedAt: null } });
    expect(live).toBeGreaterThan(10);
    const exact = new CatalogService(db, live);
    const bounded = new CatalogService(db, 5);

    expect(await (await exact.productPage({ first: 3 })).totalCount()).toBe(live);
    expect(await (await bounded.productPage({ first: 3 })).totalCount()).toBe(6);
    expect(await (await bounded.productPage({ first: 3, sort: 'PRICE_DESC' })).totalCount()).toBe(6);

    const women = (await db.category.findUniqueOrThrow({ where: { slug: 'women' } })).id;
    const inWomen = (await everyNode(exact, async (after) => (await exact.productPagesByCategory([women], { first: 100, after }))[0]!))
      .length;
    expect(inWomen).toBeGreaterThan(6);
    const [exactPage] = await exact.productPagesByCategory([women], { first: 2 });
    const [boundedPage] = await bounded.productPagesByCategory([women], { first: 2 });
    expect(await exactPage!.totalCount()).toBe(inWomen);
    expect(await boundedPage!.totalCount()).toBe(6);
  });

  test('a RELEVANCE search counts its matches in the page statement, bounded alike', async () => {
    const exact = new CatalogService(db, 10_000);
    const filter = { search: 'phone' };
    const matches = await everyNode(exact, (after) => exact.productPage({ first: 100, after, filter }));
    expect(matches.length).toBeGreaterThan(3);

    statements.length = 0;
    const first = await exact.productPage({ first: 2, filter });
    expect(await first.totalCount()).toBe(matches.length);
    expect(statements).toHaveLength(1);

    // A page after a cursor still reports every match, not those after the cursor.
    const second = await exact.productPage({ first: 2, after: first.pageInfo.endCursor, filter });
    expect(await second.totalCount()).toBe(matches.length);

    expect(await (await new CatalogService(db, 2).productPage({ first: 2, filter })).totalCount()).toBe(3);
    // An empty first page means no match at all: 0, with no second statement.
    statements.length = 0;
    const none = await exact.productPage({ first: 2, filter: { ...filter, maxPrice: 0 } });
    expect(none.edges).toHaveLength(0);
    expect(await none.totalCount()).toBe(0);
    expect(statements).toHaveLength(1);

    // An empty page after a cursor (past the last match) has no row to carry the count: it is
    // counted by a second statement.
    const all = await exact.productPage({ first: 100, filter });
    expect(all.pageInfo.hasNextPage).toBe(false);
    statements.length = 0;
    const past = await exact.productPage({ first: 2, after: all.pageInfo.endCursor, filter });
    expect(past.edges).toHaveLength(0);
    expect(await past.totalCount()).toBe(matches.length);
    expect(statements).toHaveLength(2);
  });
});
