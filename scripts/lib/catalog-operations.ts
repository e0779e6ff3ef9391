/**
 * The three catalog operations `bench:catalog` and `bench:gateways` measure — a product page with
 * its reviews and their authors, a search page of 20, a category page of 50 — with the fixed
 * variables of the identical load and the Zipf-drawn variables of the varied load.
 */
import { Client as PgClient } from 'pg';
import type { GraphQLBody } from './load';
import { seededRandom, shuffled, zipfSampler } from './random';

export type CatalogOperationName = 'product page' | 'search page of 20' | 'category page of 50';

export interface CatalogOperation {
  name: CatalogOperationName;
  /** The body of the identical load. */
  fixed: GraphQLBody;
  /** A fresh seeded sequence of the varied load's bodies: the same bodies in the same order on every call, so every gateway gets the same requests. */
  varied: () => () => GraphQLBody;
  /** The first `n` bodies of {@link CatalogOperation.varied}'s sequence, e.g. to compare gateways' answers. */
  variedSample: (n: number) => GraphQLBody[];
}

export const PRODUCT_PAGE = `query ProductPage($id: ID!) {
  product(id: $id) {
    id title description brand stock availabilityStatus price { amount currencyCode } salePrice { amount } discountPercentage
    images category { slug name parent { slug name } }
    averageRating reviewCount ratingDistribution { stars count }
    reviews(first: 10) { totalCount edges { node { id rating body createdAt verifiedPurchase helpfulCount author { id username firstName lastName } } } }
  }
}`;
export const SEARCH_PAGE = `query Search($filter: ProductFilter) {
  products(first: 20, filter: $filter, sort: RELEVANCE) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id title brand thumbnail price { amount } salePrice { amount } stock averageRating reviewCount } }
  }
}`;
export const CATEGORY_PAGE = `query Category($slug: String!) {
  category(slug: $slug) {
    slug name children { slug name }
    products(first: 50, sort: PRICE_ASC) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id title brand thumbnail price { amount } salePrice { amount } availabilityStatus averageRating reviewCount } }
    }
  }
}`;

/** The identical load's variables (present in the DummyJSON and the synthetic catalogs). */
export const FIXED_PRODUCT_ID = '1';
export const SEARCH_FILTER = { search: 'phone', inStock: true, minPrice: 1000 };
export const CATEGORY = 'women';

/** Titles read to build the search vocabulary: enough for every category's words, cheap at 100k products. */
const VOCABULARY_TITLES = 5000;
const SEED = 20261201;

/** What the varied load draws from, read from the product database. */
export interface CatalogPopulation {
  productIds: string[];
  /** Title words, most frequent first. */
  searchTerms: string[];
  categorySlugs: string[];
}

/** Product ids, title words (by frequency) and category slugs of the catalog in `productDatabaseUrl`. */
export async function readPopulation(productDatabaseUrl: string): Promise<CatalogPopulation> {
  const pg = new PgClient({ connectionString: productDatabaseUrl });
  await pg.connect();
  try {
    const ids = await pg.query<{ id: number }>('SELECT id FROM "Product" ORDER BY id');
    const titles = await pg.query<{ title: string }>('SELECT title FROM "Product" ORDER BY id LIMIT $1', [VOCABULARY_TITLES]);
    const slugs = await pg.query<{ slug: string }>('SELECT slug FROM "Category" ORDER BY id');
    const counts = new Map<string, number>();
    for (const { title } of titles.rows) {
      for (const word of title.toLowerCase().match(/[a-z]{3,}/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    return {
      productIds: ids.rows.map((r) => String(r.id)),
      searchTerms: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([word]) => word),
      categorySlugs: slugs.rows.map((r) => r.slug),
    };
  } finally {
    await pg.end();
  }
}

/**
 * The three operations over `population`. Varied loads: product ids in a seeded random popularity
 * order, search terms by their frequency in titles, categories in a seeded random order, each drawn
 * by Zipf (exponent 1), so a few items dominate as in real catalog traffic.
 */
export function catalogOperations(population: CatalogPopulation): CatalogOperation[] {
  const operation = (
    name: CatalogOperationName,
    query: string,
    fixed: Record<string, unknown>,
    draw: (random: () => number) => () => Record<string, unknown>,
  ): CatalogOperation => {
    const sequence = () => {
      const next = draw(seededRandom(SEED));
      return () => ({ query, variables: next() });
    };
    return {
      name,
      fixed: { query, variables: fixed },
      varied: sequence,
      variedSample: (n) => {
        const next = sequence();
        return Array.from({ length: n }, next);
      },
    };
  };
  return [
    operation('product page', PRODUCT_PAGE, { id: FIXED_PRODUCT_ID }, (random) => {
      const id = zipfSampler(shuffled(population.productIds, random), random);
      return () => ({ id: id() });
    }),
    operation('search page of 20', SEARCH_PAGE, { filter: SEARCH_FILTER }, (random) => {
      const term = zipfSampler(population.searchTerms, random);
      return () => ({ filter: { search: term() } });
    }),
    operation('category page of 50', CATEGORY_PAGE, { slug: CATEGORY }, (random) => {
      const slug = zipfSampler(shuffled(population.categorySlugs, random), random);
      return () => ({ slug: slug() });
    }),
  ];
}
