import { randomUUID } from 'node:crypto';
import {
  ANONYMOUS,
  CALLER_TOKEN_HEADER,
  createLogger,
  createRedis,
  signCallerToken,
  type Redis,
  type RunningServer,
} from '@commerce/common';
import { applyMigrations, dropDatabase, ensureDatabase, withDatabase } from '@commerce/db-tools';
import { loadCatalog, reviewsToImport, type Catalog, type DummyProduct } from '@commerce/seed-data';
import { createDb, seedReviews, startReviewSubgraph, type ReviewDb } from '../src';

const SERVER_URL = process.env.REVIEW_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/commerce_review';
const url = withDatabase(SERVER_URL, `commerce_review_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`);

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

interface ConnectionJson {
  totalCount: number;
  edges: {
    cursor: string;
    node: { id: string; rating: number; body: string; createdAt: string; author: { id: string }; product: { id: string } };
  }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}

interface ProductJson {
  id: string;
  reviews: ConnectionJson;
  averageRating: number | null;
  reviewCount: number;
}

const CONNECTION = `totalCount edges { cursor node { id rating body createdAt author { id } product { id } } } pageInfo { hasNextPage hasPreviousPage endCursor }`;
const PRODUCTS = `query ($reps: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $reps) { ... on Product { id reviews(first: $first, after: $after) { ${CONNECTION} } averageRating reviewCount } }
}`;
const USERS = `query ($reps: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $reps) { ... on User { id reviews(first: $first, after: $after) { ${CONNECTION} } } }
}`;

let db: ReviewDb;
let redis: Redis;
const redisPrefix = `test-review-${randomUUID().slice(0, 8)}`;
let server: RunningServer;
let catalog: Catalog;
let firstSeed: { reviews: number };
const statements: string[] = [];
const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef';

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const res = await fetch(server.url, {
    method: 'POST',
    // Subgraphs answer only requests carrying a caller token, as the gateway sends them.
    headers: { 'content-type': 'application/json', [CALLER_TOKEN_HEADER]: await signCallerToken(ANONYMOUS, INTERNAL_SECRET) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

async function entities<T>(query: string, variables: Record<string, unknown>): Promise<(T | null)[]> {
  const body = await graphql<{ _entities: (T | null)[] }>(query, variables);
  expect(body.errors).toBeUndefined();
  return body.data!._entities;
}

const productRefs = (ids: (number | string)[]) => ids.map((id) => ({ __typename: 'Product', id: String(id) }));
const userRefs = (ids: number[]) => ids.map((id) => ({ __typename: 'User', id: String(id) }));
const userIdByEmail = (email: string) => catalog.users.find((u) => u.email === email)!.id;
/** The reviews the seed keeps (one per reviewer: the latest). */
const kept = (p: DummyProduct) => reviewsToImport(p).map((r) => r.review);
const mean = (p: DummyProduct) => kept(p).reduce((sum, r) => sum + r.rating, 0) / kept(p).length;

/** The source review behind an id the seed gave it (`dummyjson-<productId>-<index>`). */
function sourceReview(id: string) {
  const [, productId, index] = /^dummyjson-(\d+)-(\d+)$/.exec(id)!;
  const product = catalog.products.find((p) => p.id === Number(productId))!;
  return { product, review: product.reviews[Number(index)]! };
}

beforeAll(async () => {
  catalog = await loadCatalog();
  await ensureDatabase(url);
  await applyMigrations('review', url);
  db = createDb({ connectionString: url, maxConnections: 4, onQuery: (sql) => statements.push(sql) });
  firstSeed = await seedReviews(db, catalog);
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  server = await startReviewSubgraph({
    db,
    redis,
    redisPrefix,
    // These tests only read; writes (which ask the product subgraph) are covered end to end in tests/e2e.
    productSubgraphUrl: 'http://127.0.0.1:9/graphql',
    port: 0,
    internalSecret: INTERNAL_SECRET,
    logger: createLogger('test', 'silent'),
  });
});

afterAll(async () => {
  await server?.close();
  const keys = await redis.keys(`${redisPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await db?.$disconnect();
  await dropDatabase(url);
});

describe('seedReviews', () => {
  it('imports one review per reviewer and product once; a second run inserts nothing', async () => {
    const embedded = catalog.products.reduce((n, p) => n + p.reviews.length, 0);
    const imported = catalog.products.reduce((n, p) => n + kept(p).length, 0);
    // 582 in the DummyJSON catalog, one of them a second review of product 1 by the same reviewer.
    if (catalog.source === 'dummyjson') {
      expect(embedded).toBe(582);
      expect(imported).toBe(581);
    }
    expect(firstSeed.reviews).toBe(imported);
    await expect(seedReviews(db, catalog)).resolves.toEqual({ reviews: 0 });
    await expect(db.review.count()).resolves.toBe(imported);
  });

  it('keeps the latest of two reviews by one reviewer (DummyJSON product 1) and seeds the aggregates', async () => {
    const product = catalog.products[0]!;
    const byReviewer = new Map<string, number>();
    for (const r of product.reviews) byReviewer.set(r.reviewerEmail, (byReviewer.get(r.reviewerEmail) ?? 0) + 1);
    const twice = [...byReviewer].find(([, n]) => n > 1)?.[0];
    if (catalog.source === 'dummyjson') expect(twice).toBeDefined();
    const rows = await db.review.findMany({ where: { productId: product.id } });
    expect(rows).toHaveLength(kept(product).length);
    if (twice) {
      // The latest; with equal timestamps (as in DummyJSON) the later one in the source.
      const latest = product.reviews
        .filter((r) => r.reviewerEmail === twice)
        .reduce((best, r) => (Date.parse(r.date) >= Date.parse(best.date) ? r : best));
      const row = rows.find((r) => r.authorId === userIdByEmail(twice))!;
      expect(row.body).toBe(latest.comment);
    }
    const aggregate = await db.productRating.findUnique({ where: { productId: product.id } });
    expect(aggregate).toMatchObject({ reviewCount: kept(product).length, ratingSum: kept(product).reduce((s, r) => s + r.rating, 0) });
  });

  it('refuses a review whose reviewer is no catalog user', async () => {
    const product = { ...catalog.products[0]!, reviews: [{ ...catalog.products[0]!.reviews[0]!, reviewerEmail: 'nobody@example.com' }] };
    await expect(seedReviews(db, { products: [product], users: catalog.users })).rejects.toThrow(/nobody@example\.com/);
  });
});

describe('Product entity', () => {
  it('answers reviews, averageRating and reviewCount as in the source data', async () => {
    const products = catalog.products.slice(0, 3);
    const result = await entities<ProductJson>(PRODUCTS, { reps: productRefs(products.map((p) => p.id)), first: 2 });
    expect(result).toHaveLength(3);
    result.forEach((entity, i) => {
      const product = products[i]!;
      expect(entity!.id).toBe(String(product.id));
      expect(entity!.reviewCount).toBe(kept(product).length);
      expect(entity!.averageRating).toBe(mean(product));
      expect(entity!.reviews.totalCount).toBe(kept(product).length);
      expect(entity!.reviews.edges).toHaveLength(Math.min(2, kept(product).length));
      expect(entity!.reviews.pageInfo).toMatchObject({ hasNextPage: kept(product).length > 2, hasPreviousPage: false });
      for (const { node } of entity!.reviews.edges) {
        const source = sourceReview(node.id);
        expect(source.product.id).toBe(product.id);
        expect(node.rating).toBe(source.review.rating);
        expect(node.body).toBe(source.review.comment);
        expect(node.createdAt).toBe(new Date(source.review.date).toISOString());
        expect(node.author.id).toBe(String(userIdByEmail(source.review.reviewerEmail)));
        expect(node.product.id).toBe(String(product.id));
      }
    });
  });

  it('continues after a cursor without repeating or skipping a review', async () => {
    for (const product of catalog.products.slice(0, 3)) {
      const seen: string[] = [];
      let after: string | null | undefined = null;
      for (let page = 0; page < 10; page++) {
        const result: (ProductJson | null)[] = await entities<ProductJson>(PRODUCTS, { reps: productRefs([product.id]), first: 2, after });
        const { edges, pageInfo } = result[0]!.reviews;
        expect(pageInfo.hasPreviousPage).toBe(after !== null);
        seen.push(...edges.map((e) => e.node.id));
        if (!pageInfo.hasNextPage) break;
        after = pageInfo.endCursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.sort()).toEqual(
        reviewsToImport(product)
          .map((r) => `dummyjson-${product.id}-${r.index}`)
          .sort(),
      );
    }
  });

  it('orders newest first with the id breaking ties, across pages', async () => {
    // The imported reviews all share one timestamp, so these exercise the createdAt half of the cursor.
    const productId = 900_001;
    const at = (iso: string) => new Date(iso);
    const rows = [
      { id: 'order-a', createdAt: at('2024-01-01T00:00:00.000Z') },
      { id: 'order-b', createdAt: at('2024-03-01T00:00:00.123Z') },
      { id: 'order-c', createdAt: at('2024-03-01T00:00:00.123Z') },
      { id: 'order-d', createdAt: at('2024-02-01T00:00:00.000Z') },
      { id: 'order-e', createdAt: at('2024-01-01T00:00:00.000Z') },
    ];
    await db.review.createMany({
      data: rows.map((r, i) => ({ ...r, productId, authorId: i + 1, rating: 4, body: r.id, updatedAt: r.createdAt })),
    });
    // Rows written around the service: their aggregate too (totalCount reads it).
    await db.productRating.create({ data: { productId, reviewCount: rows.length, ratingSum: 4 * rows.length, stars4: rows.length } });
    try {
      const seen: string[] = [];
      let after: string | null | undefined = null;
      for (let page = 0; page < 5; page++) {
        const result: (ProductJson | null)[] = await entities<ProductJson>(PRODUCTS, { reps: productRefs([productId]), first: 2, after });
        const { edges, pageInfo, totalCount } = result[0]!.reviews;
        expect(totalCount).toBe(rows.length);
        seen.push(...edges.map((e) => e.node.id));
        if (!pageInfo.hasNextPage) break;
        after = pageInfo.endCursor;
      }
      expect(seen).toEqual(['order-c', 'order-b', 'order-d', 'order-e', 'order-a']);
    } finally {
      await db.review.deleteMany({ where: { productId } });
      await db.productRating.delete({ where: { productId } });
    }
  });

  it('answers an empty connection for a product without reviews and null for a malformed id', async () => {
    const [none, malformed] = await entities<ProductJson>(PRODUCTS, { reps: productRefs([999_999, 'abc']), first: 2 });
    expect(none).toEqual({
      id: '999999',
      reviews: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, endCursor: null } },
      averageRating: null,
      reviewCount: 0,
    });
    expect(malformed).toBeNull();
  });

  it('rejects a page size over 100 and a forged cursor as BAD_USER_INPUT', async () => {
    const tooMany = await graphql(PRODUCTS, { reps: productRefs([1]), first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forged = await graphql(PRODUCTS, { reps: productRefs([1]), first: 2, after: 'not-a-cursor' });
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('User entity', () => {
  it("pages through the author's reviews, matched by email", async () => {
    const user = catalog.users.find((u) => u.email === catalog.products[0]!.reviews[0]!.reviewerEmail)!;
    const expected = catalog.products.flatMap((p) =>
      reviewsToImport(p).flatMap((r) => (r.review.reviewerEmail === user.email ? [`dummyjson-${p.id}-${r.index}`] : [])),
    );
    expect(expected.length).toBeGreaterThan(2);
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (let page = 0; page < 20; page++) {
      const result: ({ id: string; reviews: ConnectionJson } | null)[] = await entities<{ id: string; reviews: ConnectionJson }>(USERS, {
        reps: userRefs([user.id]),
        first: 2,
        after,
      });
      const entity = result[0];
      expect(entity!.reviews.totalCount).toBe(expected.length);
      for (const { node } of entity!.reviews.edges) {
        expect(node.author.id).toBe(String(user.id));
        seen.push(node.id);
      }
      if (!entity!.reviews.pageInfo.hasNextPage) break;
      after = entity!.reviews.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(expected.sort());
  });
});

describe('Review entity', () => {
  it('resolves a review by id with its author and product as references', async () => {
    const body = await graphql<{ _entities: ({ id: string; rating: number; author: { id: string }; product: { id: string } } | null)[] }>(
      `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on Review {
              id
              rating
              author {
                id
              }
              product {
                id
              }
            }
          }
        }
      `,
      {
        reps: [
          { __typename: 'Review', id: 'dummyjson-2-1' },
          { __typename: 'Review', id: 'missing' },
        ],
      },
    );
    expect(body.errors).toBeUndefined();
    const { review } = sourceReview('dummyjson-2-1');
    expect(body.data!._entities).toEqual([
      { id: 'dummyjson-2-1', rating: review.rating, author: { id: String(userIdByEmail(review.reviewerEmail)) }, product: { id: '2' } },
      null,
    ]);
  });
});

describe('batching', () => {
  async function statementsFor(query: string, variables: Record<string, unknown>): Promise<string[]> {
    statements.length = 0;
    await entities(query, variables);
    return [...statements];
  }

  it('costs the same number of SQL statements for 3 products as for 30', async () => {
    const ids = catalog.products.map((p) => p.id);
    const few = await statementsFor(PRODUCTS, { reps: productRefs(ids.slice(0, 3)), first: 2 });
    const many = await statementsFor(PRODUCTS, { reps: productRefs(ids.slice(0, 30)), first: 2 });
    // One window-function page query and one GROUP BY shared by totalCount, averageRating and reviewCount.
    expect(few).toHaveLength(2);
    expect(many).toHaveLength(few.length);
  });

  it('costs the same number of SQL statements for 3 authors as for 30', async () => {
    const ids = catalog.users.map((u) => u.id);
    const few = await statementsFor(USERS, { reps: userRefs(ids.slice(0, 3)), first: 2 });
    const many = await statementsFor(USERS, { reps: userRefs(ids.slice(0, 30)), first: 2 });
    expect(few).toHaveLength(2);
    expect(many).toHaveLength(few.length);
  });
});
