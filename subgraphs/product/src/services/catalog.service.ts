import { z } from 'zod';
import {
  BadUserInputError,
  alignByKey,
  connectionPage,
  decodeCursor,
  encodeCursor,
  pageSize,
  parseInput,
  type PageInfo,
} from '@commerce/common';
import type { CategoryRecord, ProductDb, ProductRecord } from '../db';
import { Prisma } from '../db';

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
 * direction; `id ASC` always follows. `kind` says how a cursor's key is cast back into SQL.
 */
const SORTS: Record<ProductSortKey, { column: string; desc: boolean; kind: 'number' | 'timestamp' | 'text' }> = {
  RELEVANCE: { column: 'rank', desc: true, kind: 'number' },
  PRICE_ASC: { column: 'salePriceCents', desc: false, kind: 'number' },
  PRICE_DESC: { column: 'salePriceCents', desc: true, kind: 'number' },
  // Unrated products have key 0, below every rating (1..5), so they come last.
  RATING_DESC: { column: 'ratingKey', desc: true, kind: 'number' },
  NEWEST: { column: 'createdAt', desc: true, kind: 'timestamp' },
  TITLE_ASC: { column: 'title', desc: false, kind: 'text' },
  ID_ASC: { column: 'id', desc: false, kind: 'number' },
};

/** Position in a listing: the sort it belongs to, the row's sort key and its id. */
interface ProductCursor {
  s: ProductSortKey;
  k: number | string;
  id: number;
}

const isCursor = (v: unknown): v is ProductCursor => {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Partial<Record<keyof ProductCursor, unknown>>;
  return typeof c.s === 'string' && c.s in SORTS && (typeof c.k === 'number' || typeof c.k === 'string') && Number.isSafeInteger(c.id);
};

type Row = ProductRecord & { rank: number; ratingKey: number };

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
  constructor(private readonly db: ProductDb) {}

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
   * skips a product. One SQL statement per page; `totalCount` costs one more, only when asked.
   * @throws BadUserInputError for an invalid filter, a `first` outside 0..100, a cursor this API
   *   did not issue or one from another sort.
   */
  async productPage(args: ProductPageArgs): Promise<ProductPage> {
    const [page] = await this.pages(null, args);
    return page!;
  }

  /**
   * The same page (as {@link productPage}) of the products of each category and every category
   * below it, in input order: one statement for any number of categories (a window function ranks
   * each category's products), and one more for all their totalCounts, only when asked.
   * @throws BadUserInputError as productPage.
   */
  productPagesByCategory(categoryIds: readonly number[], args: ProductPageArgs): Promise<ProductPage[]> {
    return this.pages(categoryIds, args);
  }

  /** Pages per root category (`roots`), or one page of the whole catalog (`roots` null). */
  private async pages(roots: readonly number[] | null, args: ProductPageArgs): Promise<ProductPage[]> {
    const take = pageSize(args.first);
    const filter = parseInput(filterSchema, args.filter ?? {});
    const search = filter.search || null;
    const sort: ProductSortKey = args.sort ?? (search ? 'RELEVANCE' : 'ID_ASC');
    const after = args.after ? decodeCursor(args.after, isCursor) : null;
    if (after && after.s !== sort) throw new BadUserInputError(`The cursor belongs to sort ${after.s}, not ${sort}`, { field: 'after' });
    if (roots?.length === 0) return [];

    const where = this.where(filter, search);
    const { column, desc, kind } = SORTS[sort];
    const key = Prisma.raw(`"${column}"`);
    const direction = Prisma.raw(desc ? 'DESC' : 'ASC');
    const rank = search
      ? Prisma.sql`round((ts_rank_cd(product_search_document(p."title", p."brand", p."tags", p."description"), websearch_to_tsquery('english', ${search}))
          + greatest(word_similarity(${search}, p."title"), word_similarity(${search}, coalesce(p."brand", ''))))::numeric, 6)::float8`
      : Prisma.sql`0::float8`;
    let afterCursor = Prisma.empty;
    if (after) {
      const value =
        kind === 'timestamp'
          ? Prisma.sql`CAST(${String(after.k)} AS timestamp(3))`
          : kind === 'number'
            ? Prisma.sql`CAST(${Number(after.k)} AS double precision)`
            : Prisma.sql`${String(after.k)}`;
      // (key, id) after the cursor's, with the key in its own direction and the id ascending.
      afterCursor = Prisma.sql`WHERE ${key} ${Prisma.raw(desc ? '<' : '>')} ${value} OR (${key} = ${value} AND "id" > ${after.id})`;
    }
    // Each root category with every category below it; without roots, the whole catalog is root 0.
    const tree = roots
      ? Prisma.sql`WITH RECURSIVE tree AS (
          SELECT "id" AS "root", "id" FROM "Category" WHERE "id" IN (${Prisma.join([...new Set(roots)])})
          UNION ALL
          SELECT tree."root", c."id" FROM "Category" c JOIN tree ON c."parentId" = tree."id")`
      : Prisma.empty;
    const from = roots ? Prisma.sql`"Product" p JOIN tree ON p."categoryId" = tree."id"` : Prisma.sql`"Product" p`;
    const root = roots ? Prisma.sql`tree."root"` : Prisma.sql`0`;
    const rows = await this.db.$queryRaw<(Row & { root: number; position: bigint })[]>(Prisma.sql`
      ${tree}
      SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY "root" ORDER BY ${key} ${direction}, "id" ASC) AS "position"
        FROM (
          SELECT p.*, ${root} AS "root", ${rank} AS "rank", coalesce(p."averageRating", 0) AS "ratingKey"
          FROM ${from}
          WHERE ${where}
        ) AS matched
        ${afterCursor}
      ) AS ranked
      WHERE "position" <= ${take + 1}
      ORDER BY "root", "position"`);
    const byRoot = new Map<number, Row[]>();
    for (const { root: r, position: _position, ...row } of rows) {
      const list = byRoot.get(r);
      if (list) list.push(row);
      else byRoot.set(r, [row]);
    }
    // Counted only when a client asks for it, for every root at once.
    let totals: Promise<Map<number, number>> | undefined;
    const totalOf = (r: number) =>
      (totals ??= this.db
        .$queryRaw<{ root: number; count: number }[]>(
          Prisma.sql`${tree} SELECT ${root} AS "root", count(*)::int AS "count" FROM ${from} WHERE ${where} GROUP BY 1`,
        )
        .then((counts) => new Map(counts.map((c) => [c.root, c.count])))).then((m) => m.get(r) ?? 0);

    return (roots ?? [0]).map((r) => ({
      ...connectionPage(byRoot.get(r) ?? [], take, after !== null, (row) => {
        const { rank: _rank, ratingKey: _ratingKey, ...node } = row;
        return { cursor: encodeCursor({ s: sort, k: cursorKey(sort, row), id: row.id }), node };
      }),
      totalCount: () => totalOf(r),
    }));
  }

  /** The WHERE clause of a listing over `"Product" p`; every value is a bind parameter. */
  private where(filter: z.infer<typeof filterSchema>, search: string | null): Prisma.Sql {
    const conditions: Prisma.Sql[] = [Prisma.sql`p."archivedAt" IS NULL`];
    if (search) {
      // Each alternative can use its own GIN index (BitmapOr): the full-text expression index, and the
      // trigram indexes through `<%` (word similarity ≥ pg_trgm.word_similarity_threshold, TYPO_SIMILARITY
      // set per connection by createDb).
      conditions.push(Prisma.sql`(
        product_search_document(p."title", p."brand", p."tags", p."description") @@ websearch_to_tsquery('english', ${search})
        OR ${search} <% p."title"
        OR ${search} <% p."brand")`);
    }
    if (filter.categorySlug) {
      conditions.push(Prisma.sql`p."categoryId" IN (
        WITH RECURSIVE tree AS (
          SELECT "id" FROM "Category" WHERE "slug" = ${filter.categorySlug}
          UNION ALL
          SELECT c."id" FROM "Category" c JOIN tree ON c."parentId" = tree."id"
        ) SELECT "id" FROM tree)`);
    }
    if (filter.brand) conditions.push(Prisma.sql`lower(p."brand") = lower(${filter.brand})`);
    if (filter.minPrice != null) conditions.push(Prisma.sql`p."salePriceCents" >= ${filter.minPrice}`);
    if (filter.maxPrice != null) conditions.push(Prisma.sql`p."salePriceCents" <= ${filter.maxPrice}`);
    if (filter.inStock) conditions.push(Prisma.sql`p."stock" > 0`);
    if (filter.minRating != null) conditions.push(Prisma.sql`p."averageRating" >= ${filter.minRating}`);
    return Prisma.join(conditions, ' AND ');
  }
}
