import { lineTotal } from '@commerce/common';
import { dollarsToCents, loadCatalog, percentToBasisPoints, reviewsToImport, type Catalog, type DummyProduct } from '@commerce/seed-data';
import { startStack, type Stack } from '../support/stack';

// Search, filters, sorts and paging of `products` on the loaded catalog (DummyJSON, or the demo
// catalog on a fresh clone), checked against the source data; and the N+1 statement count.

interface Node {
  id: string;
  title: string;
  brand: string | null;
  stock: number;
  createdAt?: string;
  salePrice: { amount: number };
  averageRating: number | null;
  category: { slug: string };
}
interface Page {
  products: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: Node }[] };
}

const PAGE = /* GraphQL */ `
  query Page($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) {
    products(first: $first, after: $after, filter: $filter, sort: $sort) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          title
          brand
          stock
          salePrice {
            amount
          }
          averageRating
          category {
            slug
          }
        }
      }
    }
  }
`;

const SORTS = ['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'RATING_DESC', 'NEWEST', 'TITLE_ASC', 'ID_ASC'] as const;

let stack: Stack;
let catalog: Catalog;
/** Statements per subgraph while `counting` is on. */
const CATALOG_SUBGRAPHS = new Set(['product', 'review', 'user']);
const statements: { subgraph: string; sql: string }[] = [];
let counting = false;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([
    startStack({
      // The catalog's subgraphs only: the order subgraph's outbox relay polls its database on its own.
      onQuery: (subgraph, sql) => {
        if (counting && CATALOG_SUBGRAPHS.has(subgraph)) statements.push({ subgraph, sql });
      },
    }),
    loadCatalog(),
  ]);
});
afterAll(() => stack?.close());

async function page(variables: Record<string, unknown>): Promise<Page['products']> {
  const res = await stack.gql<Page>(PAGE, variables);
  expect(res.errors).toBeUndefined();
  return res.data!.products;
}

/** Every node of a listing, following endCursor page by page. */
async function all(variables: Record<string, unknown>, first = 37): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const p: Page['products'] = await page({ ...variables, first, after });
    nodes.push(...p.edges.map((e) => e.node));
    if (!p.pageInfo.hasNextPage) return nodes;
    after = p.pageInfo.endCursor;
  }
  throw new Error('paging did not end');
}

const salePrice = (p: DummyProduct) => lineTotal(dollarsToCents(p.price), 1, percentToBasisPoints(p.discountPercentage));
const rating = (p: DummyProduct) => {
  const kept = reviewsToImport(p);
  return kept.length === 0 ? null : kept.reduce((s, r) => s + r.review.rating, 0) / kept.length;
};
const ids = (products: { id: number | string }[]) => products.map((p) => String(p.id)).sort();

describe('search', () => {
  /** A product word to search for: "iphone" on DummyJSON, the commonest long title word elsewhere. */
  function searchWord(): string {
    if (catalog.source === 'dummyjson') return 'iphone';
    const counts = new Map<string, number>();
    for (const p of catalog.products)
      for (const w of p.title.toLowerCase().split(/\W+/)) if (w.length >= 6) counts.set(w, (counts.get(w) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  }
  const withWordInTitle = (word: string) => catalog.products.filter((p) => p.title.toLowerCase().includes(word));
  /** The search word with its 4th and 5th letters swapped: iphone → iphnoe. */
  const typoOf = (word: string) => word.slice(0, 3) + word[4] + word[3] + word.slice(5);

  test('ranks products named by the search first and finds every one of them', async () => {
    const word = searchWord();
    const expected = withWordInTitle(word);
    expect(expected.length).toBeGreaterThan(1);
    const found = await page({ first: 100, filter: { search: word } });
    const foundIds = found.edges.map((e) => e.node.id);
    expect(foundIds).toEqual(expect.arrayContaining(expected.map((p) => String(p.id))));
    // The best matches are the products with the word in their title.
    for (const { node } of found.edges.slice(0, expected.length - 1)) expect(node.title.toLowerCase()).toContain(word);
    expect(found.totalCount).toBe(found.edges.length);
  });

  test('tolerates a typo ("iphnoe" finds the iPhones)', async () => {
    const word = searchWord();
    const typo = typoOf(word);
    expect(typo).not.toBe(word);
    if (catalog.source === 'dummyjson') expect(typo).toBe('iphnoe');
    const found = await page({ first: 100, filter: { search: typo } });
    expect(found.edges.map((e) => e.node.id)).toEqual(expect.arrayContaining(withWordInTitle(word).map((p) => String(p.id))));
    expect(found.edges[0]!.node.title.toLowerCase()).toContain(word);
    // Typo tolerance is not "match everything".
    expect(found.totalCount).toBeLessThan(catalog.products.length / 4);
  });

  test('a typo is corrected where it stands: inside an exclusion it excludes, inside a phrase it is the phrase', async () => {
    const word = searchWord();
    const typo = typoOf(word);
    expect((await page({ first: 10, filter: { search: `${word} -${typo}` } })).totalCount).toBe(0);
    const plain = (await all({ filter: { search: typo } })).map((n) => n.id);
    expect(plain.length).toBeGreaterThan(0);
    expect((await all({ filter: { search: `"${typo}"` } })).map((n) => n.id)).toEqual(plain);
  });

  test('matches brand, tags and description words too', async () => {
    const withBrand = catalog.products.find((p) => p.brand && p.brand.length >= 4)!;
    const byBrand = await all({ filter: { search: withBrand.brand } });
    expect(ids(byBrand)).toEqual(expect.arrayContaining(ids(catalog.products.filter((p) => p.brand === withBrand.brand))));
    const tag = catalog.products.flatMap((p) => p.tags).find((t) => /^[a-z]{5,}$/.test(t))!;
    const byTag = await all({ filter: { search: tag } });
    expect(ids(byTag)).toEqual(expect.arrayContaining(ids(catalog.products.filter((p) => p.tags.includes(tag)))));
  });

  test('paging a search page by page gives the same order as one big page', async () => {
    const filter = { search: searchWord() };
    const one = (await page({ first: 100, filter })).edges.map((e) => e.node.id);
    const paged = (await all({ filter }, 2)).map((n) => n.id);
    expect(paged).toEqual(one);
  });
});

describe('filters', () => {
  test('categorySlug: a category, or a department with every category below it', async () => {
    const slug = catalog.products[0]!.category;
    expect(ids(await all({ filter: { categorySlug: slug } }))).toEqual(ids(catalog.products.filter((p) => p.category === slug)));
    const tree = await stack.gql<{ category: { slug: string; parent: { slug: string; children: { slug: string }[] } } }>(
      `{ category(slug: "${slug}") { slug parent { slug children { slug } } } }`,
    );
    const department = tree.data!.category.parent;
    expect(department).not.toBeNull();
    const below = new Set(department.children.map((c) => c.slug));
    expect(below.has(slug)).toBe(true);
    expect(ids(await all({ filter: { categorySlug: department.slug } }))).toEqual(
      ids(catalog.products.filter((p) => below.has(p.category))),
    );
  });

  test('brand (case-insensitive), price range on the sale price, in stock, minimum rating', async () => {
    const brand = catalog.products.find((p) => p.brand)!.brand!;
    expect(ids(await all({ filter: { brand: brand.toUpperCase() } }))).toEqual(ids(catalog.products.filter((p) => p.brand === brand)));

    const prices = catalog.products.map(salePrice).sort((a, b) => a - b);
    const [minPrice, maxPrice] = [prices[Math.floor(prices.length / 4)]!, prices[Math.floor(prices.length / 2)]!];
    const inRange = await all({ filter: { minPrice, maxPrice } });
    expect(ids(inRange)).toEqual(ids(catalog.products.filter((p) => salePrice(p) >= minPrice && salePrice(p) <= maxPrice)));
    for (const n of inRange) expect(n.salePrice.amount).toBeGreaterThanOrEqual(minPrice);

    const inStock = await all({ filter: { inStock: true } });
    expect(ids(inStock)).toEqual(ids(catalog.products.filter((p) => p.stock > 0)));
    if (catalog.source === 'dummyjson') expect(inStock.length).toBeLessThan(catalog.products.length);

    const rated = await all({ filter: { minRating: 4 } });
    expect(ids(rated)).toEqual(ids(catalog.products.filter((p) => (rating(p) ?? 0) >= 4)));
    for (const n of rated) expect(n.averageRating).toBeGreaterThanOrEqual(4);
  });

  test('filters combine with each other and with search', async () => {
    const slug = catalog.products[0]!.category;
    const combined = await all({ filter: { categorySlug: slug, inStock: true, maxPrice: 1_000_000 } });
    expect(ids(combined)).toEqual(ids(catalog.products.filter((p) => p.category === slug && p.stock > 0 && salePrice(p) <= 1_000_000)));
  });

  test('invalid filters and cursors are BAD_USER_INPUT', async () => {
    const bad = async (variables: Record<string, unknown>) => (await stack.gql(PAGE, variables)).errors?.[0]?.extensions?.code;
    expect(await bad({ filter: { minPrice: 500, maxPrice: 100 } })).toBe('BAD_USER_INPUT');
    expect(await bad({ filter: { minPrice: -1 } })).toBe('BAD_USER_INPUT');
    expect(await bad({ filter: { minRating: 6 } })).toBe('BAD_USER_INPUT');
    expect(await bad({ filter: { search: 'x'.repeat(201) } })).toBe('BAD_USER_INPUT');
    const first = await page({ first: 2, sort: 'PRICE_ASC' });
    expect(await bad({ first: 2, sort: 'TITLE_ASC', after: first.pageInfo.endCursor })).toBe('BAD_USER_INPUT');
  });
});

describe('sorts', () => {
  /** The key each sort orders by, and whether it descends. */
  const keyOf: Record<(typeof SORTS)[number], [(n: Node) => number | string, boolean] | null> = {
    RELEVANCE: null,
    PRICE_ASC: [(n) => n.salePrice.amount, false],
    PRICE_DESC: [(n) => n.salePrice.amount, true],
    RATING_DESC: [(n) => n.averageRating ?? 0, true],
    NEWEST: null,
    TITLE_ASC: null,
    ID_ASC: [(n) => Number(n.id), false],
  };

  /** Nodes in the order of `sort`'s key (where the node shows it), ties broken by id, ascending. */
  function expectInOrder(nodes: Node[], sort: (typeof SORTS)[number]): void {
    const key = keyOf[sort];
    if (!key) return;
    const [f, desc] = key;
    for (let i = 1; i < nodes.length; i++) {
      const [a, b] = [f(nodes[i - 1]!), f(nodes[i]!)];
      expect(desc ? a >= b : a <= b).toBe(true);
      if (a === b) expect(Number(nodes[i - 1]!.id)).toBeLessThan(Number(nodes[i]!.id));
    }
  }

  test.each(SORTS)('paging through the whole catalog under %s yields every product exactly once, in order', async (sort) => {
    const nodes = await all({ sort });
    expect(nodes).toHaveLength(catalog.products.length);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(catalog.products.length);
    expectInOrder(nodes, sort);
    // One big page agrees with the pages.
    const big = [...(await page({ sort, first: 100 })).edges.map((e) => e.node.id)];
    expect(nodes.slice(0, 100).map((n) => n.id)).toEqual(big);
  });

  // A search reads its matches from the narrow ProductSearch table and its keys from there (price,
  // rating) or from Product (NEWEST, TITLE_ASC): every sort pages through the same matches.
  test.each(SORTS)('a search paged under %s yields its matches exactly once, in order', async (sort) => {
    const filter = { search: 'phone' };
    const matches = ids(await all({ filter }, 100));
    expect(matches.length).toBeGreaterThan(3);
    const nodes = await all({ filter, sort }, 3);
    expect(nodes.map((n) => n.id)).toHaveLength(matches.length);
    expect(ids(nodes)).toEqual(matches);
    expectInOrder(nodes, sort);
  });

  test('TITLE_ASC and NEWEST follow the source data', async () => {
    const titles = (await all({ sort: 'TITLE_ASC' })).map((n) => n.title);
    // The database's collation decides (C: code points; a locale: case-insensitive first), so accept either.
    for (let i = 1; i < titles.length; i++) {
      const [a, b] = [titles[i - 1]!, titles[i]!];
      expect(a <= b || a.localeCompare(b, 'en') <= 0).toBe(true);
    }
    const newest = await all({ sort: 'NEWEST' });
    const created = new Map(catalog.products.map((p) => [String(p.id), Date.parse(p.meta?.createdAt ?? '1970-01-01')]));
    for (let i = 1; i < newest.length; i++) expect(created.get(newest[i - 1]!.id)!).toBeGreaterThanOrEqual(created.get(newest[i]!.id)!);
  });
});

describe('category pages', () => {
  test('Category.products equals products filtered by the category, page by page', async () => {
    const CATEGORY = `query($slug: String!, $after: String) {
      category(slug: $slug) { products(first: 3, after: $after, sort: PRICE_DESC) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }
    }`;
    for (const slug of ['women', catalog.products[0]!.category]) {
      const expected = (await all({ filter: { categorySlug: slug }, sort: 'PRICE_DESC' })).map((n) => n.id);
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 100; i++) {
        const res: { data?: { category: { products: Page['products'] } | null } } = await stack.gql(CATEGORY, { slug, after });
        const category = res.data?.category;
        if (!category) break; // the demo catalog has no "women" department
        seen.push(...category.products.edges.map((e) => e.node.id));
        expect(category.products.totalCount).toBe(expected.length);
        if (!category.products.pageInfo.hasNextPage) break;
        after = category.products.pageInfo.endCursor;
      }
      if (expected.length > 0) expect(seen).toEqual(expected);
    }
  });
});

describe('category pages with a search', () => {
  test('Category.products with a search equals products filtered by the category and the search', async () => {
    const CATEGORY = `query($slug: String!, $after: String, $sort: ProductSort) {
      category(slug: $slug) { products(first: 2, after: $after, sort: $sort, filter: { search: "phone" }) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }
    }`;
    const slug = catalog.products.find((p) => /phone/i.test(p.title))!.category;
    for (const sort of ['RELEVANCE', 'PRICE_ASC', 'NEWEST'] as const) {
      const expected = (await all({ filter: { categorySlug: slug, search: 'phone' }, sort })).map((n) => n.id);
      expect(expected.length).toBeGreaterThan(0);
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 100; i++) {
        const res: { data?: { category: { products: Page['products'] } } } = await stack.gql(CATEGORY, { slug, after, sort });
        const { products } = res.data!.category;
        seen.push(...products.edges.map((e) => e.node.id));
        expect(products.totalCount).toBe(expected.length);
        if (!products.pageInfo.hasNextPage) break;
        after = products.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
    }
  });
});

describe('no N+1', () => {
  const LISTING = /* GraphQL */ `
    query Listing($first: Int) {
      products(first: $first, sort: ID_ASC) {
        edges {
          node {
            id
            title
            category {
              slug
              parent {
                slug
              }
            }
            averageRating
            reviewCount
            ratingDistribution {
              stars
              count
            }
            reviews(first: 3) {
              totalCount
              edges {
                node {
                  rating
                  author {
                    username
                  }
                }
              }
            }
          }
        }
      }
    }
  `;

  async function statementsFor(first: number) {
    statements.length = 0;
    counting = true;
    try {
      const res = await stack.gql<{ products: { edges: unknown[] } }>(LISTING, { first });
      expect(res.errors).toBeUndefined();
      expect(res.data!.products.edges).toHaveLength(Math.min(first, catalog.products.length));
    } finally {
      counting = false;
    }
    return [...statements];
  }

  test('every category with a page of its products costs the same statements as the departments alone', async () => {
    const query = `query($top: Boolean) { categories(topLevel: $top) { slug children { slug } products(first: 3) { totalCount edges { node { id title averageRating } } } } }`;
    const count = async (top: boolean) => {
      statements.length = 0;
      counting = true;
      try {
        const res = await stack.gql<{ categories: { products: { edges: unknown[] } }[] }>(query, { top });
        expect(res.errors).toBeUndefined();
        expect(res.data!.categories.length).toBeGreaterThan(0);
        return { categories: res.data!.categories.length, statements: statements.length };
      } finally {
        counting = false;
      }
    };
    const [departments, everything] = [await count(true), await count(false)];
    expect(everything.categories).toBeGreaterThan(departments.categories);
    // categories, children, product pages, their totals (product); ratings (review).
    expect(everything.statements).toBe(departments.statements);
    expect(everything.statements).toBe(5);
  });

  test('a RELEVANCE search with its totalCount is one statement, with matches or without', async () => {
    for (const [search, found] of [
      ['phone', true],
      ['qqqzzzxxx', false],
    ] as const) {
      statements.length = 0;
      counting = true;
      try {
        const res = await stack.gql<{ products: { totalCount: number } }>(
          'query($s: String!) { products(first: 5, filter: { search: $s }) { totalCount edges { node { id } } } }',
          { s: search },
        );
        expect(res.data!.products.totalCount > 0).toBe(found);
      } finally {
        counting = false;
      }
      expect(statements.map((x) => x.subgraph)).toEqual(['product']);
    }
  });

  test('products(first: 10) and products(first: 100) with reviews, authors and categories cost the same statements', async () => {
    const few = await statementsFor(10);
    const many = await statementsFor(100);
    const bySubgraph = (list: typeof few) =>
      list.reduce<Record<string, number>>((m, s) => ({ ...m, [s.subgraph]: (m[s.subgraph] ?? 0) + 1 }), {});
    expect(bySubgraph(many)).toEqual(bySubgraph(few));
    // product: the page, categories, parent categories; review: pages of reviews, aggregates; user: authors.
    expect(bySubgraph(few)).toEqual({ product: 3, review: 2, user: 1 });
  });
});
