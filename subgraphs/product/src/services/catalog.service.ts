import { alignByKey, decodeCursor, encodeCursor, pageSize } from '@commerce/common';
import type { CategoryRecord, ProductDb, ProductRecord } from '../db';
import { Prisma } from '../db';

export type ProductSortKey = 'ID_ASC' | 'PRICE_ASC' | 'PRICE_DESC' | 'NEWEST' | 'TITLE_ASC';

export interface ProductFilterInput {
  categorySlug?: string | null;
  brand?: string | null;
  inStock?: boolean | null;
  search?: string | null;
}

/** One page of a Relay connection; `cursor` of an edge is opaque to clients. */
export interface ProductPage {
  edges: { cursor: string; node: ProductRecord }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

const ORDER_BY: Record<ProductSortKey, Prisma.ProductOrderByWithRelationInput[]> = {
  ID_ASC: [{ id: 'asc' }],
  PRICE_ASC: [{ priceCents: 'asc' }, { id: 'asc' }],
  PRICE_DESC: [{ priceCents: 'desc' }, { id: 'asc' }],
  NEWEST: [{ createdAt: 'desc' }, { id: 'asc' }],
  TITLE_ASC: [{ title: 'asc' }, { id: 'asc' }],
};

const isCursor = (v: unknown): v is { id: number } =>
  typeof v === 'object' && v !== null && Number.isSafeInteger((v as { id?: unknown }).id);

/** Reads of the catalog: products, categories, pages of products. */
export class CatalogService {
  constructor(private readonly db: ProductDb) {}

  /** Batch function for the product DataLoader: one query for any number of ids, in input order. */
  async productsByIds(ids: readonly number[]): Promise<(ProductRecord | null)[]> {
    return alignByKey(ids, await this.db.product.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id);
  }

  async categoriesByIds(ids: readonly number[]): Promise<(CategoryRecord | null)[]> {
    return alignByKey(ids, await this.db.category.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id);
  }

  categories(): Promise<CategoryRecord[]> {
    return this.db.category.findMany({ orderBy: { name: 'asc' } });
  }

  categoryBySlug(slug: string): Promise<CategoryRecord | null> {
    return this.db.category.findUnique({ where: { slug } });
  }

  /**
   * A page of products under a stable order (every sort ends with the id as tie-breaker, so
   * paging never repeats or skips a product). `first`: 0..100, default 20.
   * @throws BadUserInputError for a bad `first` or a cursor this API did not issue.
   */
  async productPage(args: {
    first?: number | null;
    after?: string | null;
    filter?: ProductFilterInput | null;
    sort?: ProductSortKey | null;
  }): Promise<ProductPage> {
    const take = pageSize(args.first);
    const where = this.where(args.filter ?? {});
    const after = args.after ? decodeCursor(args.after, isCursor) : null;
    const rows = await this.db.product.findMany({
      where,
      orderBy: ORDER_BY[args.sort ?? 'ID_ASC'],
      take: take + 1,
      ...(after ? { cursor: { id: after.id }, skip: 1 } : {}),
    });
    const nodes = rows.slice(0, take);
    const edges = nodes.map((node) => ({ cursor: encodeCursor({ id: node.id }), node }));
    let total: Promise<number> | undefined;
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > take,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      // Counted only when a client asks for it.
      totalCount: () => (total ??= this.db.product.count({ where })),
    };
  }

  private where(filter: ProductFilterInput): Prisma.ProductWhereInput {
    const search = filter.search?.trim();
    return {
      ...(filter.categorySlug ? { category: { slug: filter.categorySlug } } : {}),
      ...(filter.brand ? { brand: { equals: filter.brand, mode: 'insensitive' } } : {}),
      ...(filter.inStock ? { stock: { gt: 0 } } : {}),
      ...(search
        ? {
            OR: [
              { title: { contains: search, mode: 'insensitive' } },
              { brand: { contains: search, mode: 'insensitive' } },
              { description: { contains: search, mode: 'insensitive' } },
            ],
          }
        : {}),
    };
  }
}
