import { loadCatalog, dollarsToCents, percentToBasisPoints, reviewsToImport, type Catalog } from '@commerce/seed-data';
import { lineTotal } from '@commerce/common';
import { startStack, type Stack } from '../support/stack';

// A federated query: Product from the product subgraph, reviews and ratings from the review
// subgraph, review authors from the user subgraph, planned and joined by the gateway.
const PRODUCTS = /* GraphQL */ `
  query Products($first: Int, $after: String) {
    products(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          sku
          title
          brand
          stock
          availabilityStatus
          discountPercentage
          price {
            amount
            currencyCode
          }
          salePrice {
            amount
          }
          category {
            slug
            name
          }
          averageRating
          reviewCount
          reviews(first: 5) {
            totalCount
            edges {
              node {
                rating
                body
                author {
                  id
                  username
                  firstName
                  email
                }
              }
            }
          }
        }
      }
    }
  }
`;

interface ProductNode {
  id: string;
  sku: string;
  title: string;
  stock: number;
  availabilityStatus: string;
  price: { amount: number; currencyCode: string };
  salePrice: { amount: number };
  category: { slug: string };
  averageRating: number | null;
  reviewCount: number;
  reviews: {
    totalCount: number;
    edges: { node: { rating: number; body: string; author: { id: string; username: string; email: string | null } } }[];
  };
}
type ProductsData = {
  products: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: ProductNode }[] };
};

let stack: Stack;
let catalog: Catalog;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
});
afterAll(() => stack?.close());

test('products with reviews, authors, averageRating and reviewCount agree with the source data', async () => {
  const res = await stack.gql<ProductsData>(PRODUCTS, { first: 30 });
  expect(res.errors).toBeUndefined();
  const page = res.data!.products;
  expect(page.totalCount).toBe(catalog.products.length);
  expect(page.edges).toHaveLength(30);
  const usersByEmail = new Map(catalog.users.map((u) => [u.email.toLowerCase(), u]));
  for (const { node } of page.edges) {
    const source = catalog.products.find((p) => String(p.id) === node.id)!;
    expect(node.sku).toBe(source.sku);
    expect(node.title).toBe(source.title);
    expect(node.price).toEqual({ amount: dollarsToCents(source.price), currencyCode: 'USD' });
    expect(node.stock).toBe(source.stock);
    expect(node.category.slug).toBe(source.category);
    // One review per reviewer (the latest where the source has two, as on DummyJSON product 1).
    const kept = reviewsToImport(source).map((r) => r.review);
    expect(node.reviewCount).toBe(kept.length);
    const mean = kept.reduce((s, r) => s + r.rating, 0) / kept.length;
    expect(node.averageRating).toBeCloseTo(mean, 10);
    expect(node.reviews.totalCount).toBe(kept.length);
    // Every review's author is the user whose email the source names; other users' emails stay hidden.
    const expectedAuthors = kept.map((r) => String(usersByEmail.get(r.reviewerEmail.toLowerCase())!.id)).sort();
    expect(node.reviews.edges.map((e) => e.node.author.id).sort()).toEqual(expectedAuthors);
    for (const { node: review } of node.reviews.edges) {
      expect(review.author.username).toBe(catalog.users.find((u) => String(u.id) === review.author.id)!.username);
      expect(review.author.email).toBeNull();
    }
  }
});

test('salePrice applies the discount rounded half-up to the cent', async () => {
  const source = catalog.products[0]!;
  const res = await stack.gql<{ product: { price: { amount: number }; discountPercentage: number; salePrice: { amount: number } } }>(
    `{ product(id: "${source.id}") { price { amount } discountPercentage salePrice { amount } } }`,
  );
  const cents = dollarsToCents(source.price);
  // The rule itself is pinned in packages/common/test/pricing.test.ts; with DummyJSON: 999 at 10.48 % → 894.
  const sale = lineTotal(cents, 1, percentToBasisPoints(source.discountPercentage));
  expect(res.data!.product).toEqual({
    price: { amount: cents },
    discountPercentage: source.discountPercentage,
    salePrice: { amount: sale },
  });
});

test('paging through the whole catalog yields every product exactly once', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const res: Awaited<ReturnType<typeof stack.gql<ProductsData>>> = await stack.gql<ProductsData>(
      'query($after: String) { products(first: 50, after: $after, sort: PRICE_ASC) { pageInfo { hasNextPage endCursor } edges { node { id } } } }',
      { after },
    );
    const page = res.data!.products;
    seen.push(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(seen).toHaveLength(catalog.products.length);
  expect(new Set(seen).size).toBe(catalog.products.length);
});

test('first above 100 and a forged cursor are BAD_USER_INPUT', async () => {
  const tooMany = await stack.gql('{ products(first: 101) { totalCount } }');
  expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const forged = await stack.gql('{ products(after: "bm90LWEtY3Vyc29y") { totalCount } }');
  expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

test('an unknown product is null, and the categories below the departments are the source categories', async () => {
  const res = await stack.gql<{
    product: null;
    categories: { slug: string; parent: { slug: string } | null; children: { slug: string }[] }[];
  }>('{ product(id: "999999") { id } categories { slug parent { slug } children { slug } } }');
  expect(res.errors).toBeUndefined();
  expect(res.data!.product).toBeNull();
  const sourceSlugs = [...new Set(catalog.products.map((p) => p.category))].sort();
  const leaves = res.data!.categories.filter((c) => c.children.length === 0);
  expect(leaves.map((c) => c.slug).sort()).toEqual(sourceSlugs);
  // Every department lists exactly the categories whose parent it is.
  for (const department of res.data!.categories.filter((c) => c.parent === null && c.children.length > 0)) {
    const below = res.data!.categories.filter((c) => c.parent?.slug === department.slug).map((c) => c.slug);
    expect(department.children.map((c) => c.slug).sort()).toEqual(below.sort());
  }
});
