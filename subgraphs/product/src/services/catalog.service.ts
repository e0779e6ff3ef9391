import { z } from 'zod';
import {
  BadUserInputError,
  alignByKey,
  connectionPage,
  cursorCodec,
  cursorKeys,
  pageSize,
  parseInput,
  type PageInfo,
} from '@commerce/common';
import type { CategoryRecord, ProductDb, ProductRecord } from '../db';
import { Prisma } from '../db';
import { searchQuery } from './search-vocabulary';

export type ProductSortKey = 'RELEVANCE' | 'PRICE_ASC' | 'PRICE_DESC' | 'RATING_DESC' | 'NEWEST' | 'TITLE_ASC' | 'ID_ASC';

/** Filters of a product listing; prices in cents (on the sale price), rating 0..5. */
export interface ProductFilterInput {
  search?: string | null;
  categorySlug?: string | null;
  brand?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  inStock?: boolean | null;
  minRating?: number | null;
}

export interface ProductPageArgs {
  first?: number | null;
  after?: string | null;
  filter?: ProductFilterInput | null;
  sort?: ProductSortKey | null;
}

/** One page of a Relay connection; `cursor` of an edge is opaque to clients. */
export interface ProductPage {
  edges: { cursor: string; node: ProductRecord }[];
  pageInfo: PageInfo;
  totalCount: () => Promise<number>;
}

const filterSchema = z
  .object({
    search: z.string().trim().max(200).nullish(),
    categorySlug: z.string().trim().max(100).nullish(),
    brand: z.string().trim().max(100).nullish(),
    minPrice: z.number().int().min(0).nullish(),
    maxPrice: z.number().int().min(0).nullish(),
    inStock: z.boolean().nullish(),
    minRating: z.number().min(0).max(5).nullish(),
  })
  .refine((f) => f.minPrice == null || f.maxPrice == null || f.minPrice <= f.maxPrice, {
    message: 'must not be below minPrice',
    path: ['maxPrice'],
  });

/**
 * How each sort orders the matched rows: a key column of the `matched` subquery and its
 * direction; `id ASC` always follows. `kind` says how a cursor's key is cast back into SQL, `key`
 * which values a cursor of that sort may carry (the column's range), so a forged one never reaches SQL.
 * `searchKey`: the key's expression when a search reads its matches from "ProductSearch" s, with
 * `p` ("Product") joined to each match only for keys the narrow table does not carry.
 */
const SORTS = {
  // ts_rank of the widened query (≥ 0): a float4, exact as a float8 and in JSON, so a cursor's key
  // compares equal to its row's. Not ts_rank_cd: its cover search cost 4 times ts_rank's per match
  // (30 of 55 ms at 8 000 matches).
  RELEVANCE: { column: 'rank', desc: true, kind: 'number', key: cursorKeys.number(0), searchKey: null },
  PRICE_ASC: { column: 'salePriceCents', desc: false, kind: 'number', key: cursorKeys.int(), searchKey: 's."salePriceCents"' },
  PRICE_DESC: { column: 'salePriceCents', desc: true, kind: 'number', key: cursorKeys.int(), searchKey: 's."salePriceCents"' },
  // Unrated products have key 0, below every rating (1..5), so they come last.
  RATING_DESC: { column: 'ratingKey', desc: true, kind: 'number', key: cursorKeys.number(0, 5), searchKey: null },
  NEWEST: { column: 'createdAt', desc: true, kind: 'timestamp', key: cursorKeys.timestamp(), searchKey: 'p."createdAt"' },
  // Titles are at most 200 characters when written through the API; imported ones leave headroom.
  TITLE_ASC: { column: 'title', desc: false, kind: 'text', key: cursorKeys.text(1000), searchKey: 'p."title"' },
  ID_ASC: { column: 'id', desc: false, kind: 'number', key: cursorKeys.intId(), searchKey: null },
} satisfies Record<
  ProductSortKey,
  {
    column: string;
    desc: boolean;
    kind: 'number' | 'timestamp' | 'text';
    key: z.ZodType<number | string>;
    /** null: a column every search's `matched` row has already (id, rank, ratingKey) */
    searchKey: 's."salePriceCents"' | 'p."createdAt"' | 'p."title"' | null;
  }
>;

/** Position in a listing: the sort it belongs to (`s`), the row's sort key (`k`) and its id. */
const productCursor = cursorCodec(
  z
    .object({
      s: z.enum(Object.keys(SORTS) as [ProductSortKey, ...ProductSortKey[]]),
      k: z.union([z.number(), z.string()]),
      id: cursorKeys.intId(),
    })
    .refine((c) => SORTS[c.s].key.safeParse(c.k).success, 'key does not fit its sort'),
);

/** A listing row: the product, its sort keys, and (RELEVANCE pages of the whole catalog) the matches in all. */
type Row = ProductRecord & { rank: number; ratingKey: number; matchCount?: number };

/**
 * The columns of a ProductRecord, named: `p.*` would also carry the stored search document, which
 * no caller reads and which is the widest column of the row.
 */
const PRODUCT_COLUMNS = Prisma.raw(
  Object.values(Prisma.ProductScalarFieldEnum)
    .map((c) => `p."${c}"`)
    .join(', '),
);

/**
 * totalCount stops counting here: a listing with more matches reports TOTAL_COUNT_LIMIT + 1
 * ("more than 10 000"), so no page counts more rows than this, however large the catalog.
 */
export const TOTAL_COUNT_LIMIT = 10_000;

function cursorKey(sort: ProductSortKey, row: Row): number | string {
  switch (SORTS[sort].column) {
    case 'rank':
      return row.rank;
    case 'salePriceCents':
      return row.salePriceCents;
    case 'ratingKey':
      return row.ratingKey;
    case 'createdAt':
      return row.createdAt.toISOString();
    case 'title':
      return row.title;
    default:
      return row.id;
  }
}

/** Reads of the catalog: products, categories, listings with search, filters and keyset paging. */
export class CatalogService {
  /** @param countLimit where totalCount stops counting (TOTAL_COUNT_LIMIT; tests pass a small one) */
  constructor(
    private readonly db: ProductDb,
    private readonly countLimit: number = TOTAL_COUNT_LIMIT,
  ) {}

  /** Batch function for the product DataLoader: one query for any number of ids, in input order. */
  async productsByIds(ids: readonly number[]): Promise<(ProductRecord | null)[]> {
    return alignByKey(ids, await this.db.product.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id);
  }

  async categoriesByIds(ids: readonly number[]): Promise<(CategoryRecord | null)[]> {
    return alignByKey(ids, await this.db.category.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id);
  }

  /** Batch function: the children of each category (by name), in input order, from one query. */
  async childrenOfCategories(ids: readonly number[]): Promise<CategoryRecord[][]> {
    const rows = await this.db.category.findMany({ where: { parentId: { in: [...ids] } }, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
    return ids.map((id) => rows.filter((r) => r.parentId === id));
  }

  /**
   * Batch function: for each category id, the slugs of that category and every ancestor, top-level
   * first (empty for an unknown id), from one recursive statement. Depth is capped at 32 levels, so
   * a cycle written behind the service's back cannot loop.
   */
  async categoryPaths(ids: readonly number[]): Promise<string[][]> {
    const rows = await this.db.$queryRaw<{ leaf: number; slug: string }[]>(Prisma.sql`
      WITH RECURSIVE up AS (
        SELECT "id" AS "leaf", "id", "parentId", "slug", 0 AS "depth" FROM "Category" WHERE "id" IN (${Prisma.join([...new Set(ids)])})
        UNION ALL
        SELECT up."leaf", c."id", c."parentId", c."slug", up."depth" + 1
        FROM "Category" c JOIN up ON c."id" = up."parentId" WHERE up."depth" < 32)
      SELECT "leaf", "slug" FROM up ORDER BY "leaf", "depth" DESC`);
    return ids.map((id) => rows.filter((r) => r.leaf === id).map((r) => r.slug));
  }

  /** All categories, departments (roots) first, then by name; `topLevel`: the departments only. */
  async categories(topLevel = false): Promise<CategoryRecord[]> {
    const rows = await this.db.category.findMany({
      where: topLevel ? { parentId: null } : {},
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
    });
    return rows.sort((a, b) => Number(a.parentId !== null) - Number(b.parentId !== null));
  }

  categoryBySlug(slug: string): Promise<CategoryRecord | null> {
    return this.db.category.findUnique({ where: { slug } });
  }

  /**
   * A page of live (not archived) products matching `filter`, in `sort` order (default RELEVANCE
   * with a search, else ID_ASC). Keyset pagination on (sort key, id), so paging never repeats or
   * skips a product. One SQL statement per page; `totalCount` costs one more, only when asked (none
   * for a RELEVANCE search, which counts its matches as it ranks them); it stops at `countLimit` + 1.
   * @throws BadUserInputError for an invalid filter, a `first` outside 0..100, a cursor this API
   *   did not issue or one from another sort.
   */
  async productPage(args: ProductPageArgs): Promise<ProductPage> {
    const [page] = await this.pages(null, args);
    return page!;
  }

  /**
   * The same page (as {@link productPage}) of the products of each category and every category
   * below it, in input order: one statement for any number of categories, and one more for all
   * their totalCounts, only when asked.
   * @throws BadUserInputError as productPage.
   */
  productPagesByCategory(categoryIds: readonly number[], args: ProductPageArgs): Promise<ProductPage[]> {
    return this.pages(categoryIds, args);
  }

  /**
   * Pages per root category (`roots`), or one page of the whole catalog (`roots` null). Each root's
   * page is a LATERAL `ORDER BY key, id LIMIT first + 1` with the cursor as a range condition on
   * the key, so sorts other than RELEVANCE read their (key, id) index from the cursor on and stop
   * after the page. A search reads its matches from ProductSearch (a narrow copy of each live
   * product's document and filter columns, in category order, kept by triggers) and ranks every
   * one of them (from the stored tsvector, never re-parsed text) before reading the page's products.
   */
  private async pages(roots: readonly number[] | null, args: ProductPageArgs): Promise<ProductPage[]> {
    const take = pageSize(args.first);
    const filter = parseInput(filterSchema, args.filter ?? {});
    const search = filter.search || null;
    const sort: ProductSortKey = args.sort ?? (search ? 'RELEVANCE' : 'ID_ASC');
    const after = args.after ? productCursor.decode(args.after) : null;
    if (after && after.s !== sort) throw new BadUserInputError(`The cursor belongs to sort ${after.s}, not ${sort}`, { field: 'after' });
    if (roots?.length === 0) return [];

    const rootIds = roots ? [...new Set(roots)] : [0];
    // Each root category with every category below it; without roots, the whole catalog is root 0.
    const ctes = [
      ...(roots
        ? [
            Prisma.sql`tree AS (
          SELECT "id" AS "root", "id" FROM "Category" WHERE "id" IN (${Prisma.join(rootIds)})
          UNION ALL
          SELECT tree."root", c."id" FROM "Category" c JOIN tree ON c."parentId" = tree."id")`,
          ]
        : []),
      // The search's tsquery, widened once per statement (materialized: read by the filter and the rank).
      ...(search ? [Prisma.sql`search AS MATERIALIZED (SELECT ${searchQuery(search)} AS "query")`] : []),
    ];
    const withClause = ctes.length > 0 ? Prisma.sql`WITH RECURSIVE ${Prisma.join(ctes, ', ')}` : Prisma.empty;
    // A search matches, filters and ranks in the narrow "ProductSearch" s (live products only, see
    // schema.prisma); any other listing reads "Product" p, whose (key, id) indexes it walks.
    const m = Prisma.raw(search ? 's' : 'p');
    const matchTable = Prisma.raw(search ? '"ProductSearch" s' : '"Product" p');
    const inRoot = roots ? Prisma.sql`AND ${m}."categoryId" IN (SELECT tree."id" FROM tree WHERE tree."root" = r."root")` : Prisma.empty;
    const fromRoots = Prisma.sql`unnest(ARRAY[${Prisma.join(rootIds)}]::int[]) AS r("root")`;
    const where = search ? this.searchWhere(filter) : this.where(filter);

    const { column, desc, kind, searchKey } = SORTS[sort];
    const key = Prisma.raw(`"${column}"`);
    const orderOf = (table: string) => Prisma.raw(`${table}."${column}" ${desc ? 'DESC' : 'ASC'}, ${table}."id" ASC`);
    const rank = search ? Prisma.sql`ts_rank(s."document", (SELECT "query" FROM search))::float8` : Prisma.sql`0::float8`;
    let afterCursor = Prisma.empty;
    if (after) {
      const value =
        kind === 'timestamp'
          ? Prisma.sql`CAST(${String(after.k)} AS timestamp(3))`
          : kind === 'number'
            ? Prisma.sql`CAST(${Number(after.k)} AS double precision)`
            : Prisma.sql`${String(after.k)}`;
      // (key, id) after the cursor's, the key in its own direction and the id ascending. The first
      // conjunct alone is a range on the key's index, where the scan starts; the second drops the
      // rows of the cursor's key up to its id.
      const [reach, pass] = desc ? ['<=', '<'] : ['>=', '>'];
      afterCursor = Prisma.sql`WHERE ${key} ${Prisma.raw(reach)} ${value} AND (${key} ${Prisma.raw(pass)} ${value} OR "id" > ${after.id})`;
    }
    // A RELEVANCE page of the whole catalog ranks every match anyway: it counts them on the way (a
    // window over the matches, before the cursor's condition), so totalCount costs no statement.
    const countsInPage = roots === null && sort === 'RELEVANCE' && search !== null;
    const matchCount = countsInPage ? Prisma.sql`, count(*) OVER ()::int AS "matchCount"` : Prisma.empty;
    /** One page of the products among `extra` (a further condition on `p`), read in the sort's order. */
    const productPageOf = (extra: Prisma.Sql) => Prisma.sql`
      SELECT * FROM (
        SELECT ${PRODUCT_COLUMNS}, ${rank} AS "rank", coalesce(p."averageRating", 0) AS "ratingKey"
        FROM "Product" p
        WHERE ${where} ${extra}
      ) AS matched
      ${afterCursor}
      ORDER BY ${orderOf('matched')}
      LIMIT ${take + 1}`;
    // One page of the search's matches among `extra` (a further condition on `s`): the page's ids and
    // keys from the narrow table (the window, when it counts, keeps only these), then the page's
    // products by id. Product is read for each match only when the sort's key lives there alone
    // (NEWEST, TITLE_ASC).
    const searchPageOf = (extra: Prisma.Sql) => Prisma.sql`
      SELECT ${PRODUCT_COLUMNS}, hit."rank", hit."ratingKey" ${countsInPage ? Prisma.sql`, hit."matchCount"` : Prisma.empty}
      FROM (
        SELECT * FROM (
          SELECT s."id", ${rank} AS "rank", coalesce(s."averageRating", 0) AS "ratingKey"
            ${searchKey ? Prisma.raw(`, ${searchKey}`) : Prisma.empty} ${matchCount}
          FROM "ProductSearch" s ${searchKey?.startsWith('p.') ? Prisma.sql`JOIN "Product" p ON p."id" = s."id"` : Prisma.empty}
          WHERE ${where} ${extra}
        ) AS matched
        ${afterCursor}
        ORDER BY ${orderOf('matched')}
        LIMIT ${take + 1}
      ) AS hit JOIN "Product" p ON p."id" = hit."id"
      ORDER BY ${orderOf('hit')}`;
    const pageOf = search ? searchPageOf : productPageOf;
    // A root's page: the page of each category below it (a (categoryId, key, id) index range each),
    // merged; the first `first + 1` of those are the first of the root's matches.
    const rootPage = roots
      ? Prisma.sql`
        SELECT leaf.* FROM tree CROSS JOIN LATERAL (${pageOf(Prisma.sql`AND ${m}."categoryId" = tree."id"`)}) AS leaf
        WHERE tree."root" = r."root"
        ORDER BY ${orderOf('leaf')}
        LIMIT ${take + 1}`
      : pageOf(Prisma.empty);
    const rows = await this.db.$queryRaw<(Row & { root: number })[]>(Prisma.sql`
      ${withClause}
      SELECT r."root", page.* FROM ${fromRoots} CROSS JOIN LATERAL (${rootPage}) AS page
      ORDER BY r."root", ${orderOf('page')}`);
    const byRoot = new Map<number, Row[]>();
    for (const { root: r, ...row } of rows) {
      const list = byRoot.get(r);
      if (list) list.push(row);
      else byRoot.set(r, [row]);
    }
    // Counted only when a client asks for it, for every root at once, and never beyond the limit.
    let totals: Promise<Map<number, number>> | undefined;
    // The window's count rides on the page's rows; a first page without rows has no matches at all
    // (the page reads first + 1 ≥ 1 rows), so an empty search costs no count statement either.
    const counted = rows[0]?.matchCount ?? (countsInPage && after === null ? 0 : undefined);
    const totalOf = (r: number) =>
      counted !== undefined
        ? Promise.resolve(Math.min(counted, this.countLimit + 1))
        : (totals ??= this.db
            .$queryRaw<{ root: number; count: number }[]>(
              Prisma.sql`${withClause}
            SELECT r."root", (SELECT count(*)::int FROM (SELECT 1 FROM ${matchTable} WHERE ${where} ${inRoot} LIMIT ${this.countLimit + 1}) AS hit) AS "count"
            FROM ${fromRoots}`,
            )
            .then((counts) => new Map(counts.map((c) => [c.root, c.count])))).then((m) => m.get(r) ?? 0);

    return (roots ?? [0]).map((r) => ({
      ...connectionPage(byRoot.get(r) ?? [], take, after !== null, (row) => {
        const { rank: _rank, ratingKey: _ratingKey, matchCount: _matchCount, ...node } = row;
        return { cursor: productCursor.encode({ s: sort, k: cursorKey(sort, row), id: row.id }), node };
      }),
      totalCount: () => totalOf(r),
    }));
  }

  /** The WHERE clause of a listing without a search, over `"Product" p`; every value is a bind parameter. */
  private where(filter: z.infer<typeof filterSchema>): Prisma.Sql {
    const conditions: Prisma.Sql[] = [Prisma.sql`p."archivedAt" IS NULL`];
    // lower("brand") has its own index (migration catalog_scale).
    if (filter.brand) conditions.push(Prisma.sql`lower(p."brand") = lower(${filter.brand})`);
    if (filter.inStock) conditions.push(Prisma.sql`p."stock" > 0`);
    return Prisma.join([...conditions, ...this.shared(filter, 'p')], ' AND ');
  }

  /**
   * The WHERE clause of a search, over `"ProductSearch" s`, which holds live products only; the
   * statement defines the CTE `search` (its widened tsquery). Typos and word parts are in the
   * widened query already: the document's GIN index alone answers, each match exact, none
   * rechecked by similarity.
   */
  private searchWhere(filter: z.infer<typeof filterSchema>): Prisma.Sql {
    const conditions: Prisma.Sql[] = [Prisma.sql`s."document" @@ (SELECT "query" FROM search)`];
    if (filter.brand) conditions.push(Prisma.sql`s."brandKey" = lower(${filter.brand})`);
    if (filter.inStock) conditions.push(Prisma.sql`s."inStock"`);
    return Prisma.join([...conditions, ...this.shared(filter, 's')], ' AND ');
  }

  /** The filters on columns both tables carry under the same name, over `table`. */
  private shared(filter: z.infer<typeof filterSchema>, table: 'p' | 's'): Prisma.Sql[] {
    const t = Prisma.raw(table);
    const conditions: Prisma.Sql[] = [];
    if (filter.categorySlug) {
      conditions.push(Prisma.sql`${t}."categoryId" IN (
        WITH RECURSIVE tree AS (
          SELECT "id" FROM "Category" WHERE "slug" = ${filter.categorySlug}
          UNION ALL
          SELECT c."id" FROM "Category" c JOIN tree ON c."parentId" = tree."id"
        ) SELECT "id" FROM tree)`);
    }
    if (filter.minPrice != null) conditions.push(Prisma.sql`${t}."salePriceCents" >= ${filter.minPrice}`);
    if (filter.maxPrice != null) conditions.push(Prisma.sql`${t}."salePriceCents" <= ${filter.maxPrice}`);
    if (filter.minRating != null) conditions.push(Prisma.sql`${t}."averageRating" >= ${filter.minRating}`);
    return conditions;
  }
}
