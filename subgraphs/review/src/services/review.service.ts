import { z } from 'zod';
import { alignByKey, connectionPage, cursorCodec, cursorKeys, pageSize, type PageInfo } from '@commerce/common';
import { Prisma, type ReviewDb, type ReviewRecord } from '../db';

/** Largest and default `first` of a review connection, as the SDL documents them. */
export const MAX_REVIEW_PAGE = 100;
export const DEFAULT_REVIEW_PAGE = 10;

/** One page of a Relay connection, newest review first; `cursor` of an edge is opaque to clients. */
export interface ReviewPage {
  edges: { cursor: string; node: ReviewRecord }[];
  pageInfo: PageInfo;
  /** Reviews of the parent in all, not only after the cursor. */
  totalCount: number;
}

/** `first`: 0..100, null for the default 10; `after`: an edge cursor of an earlier page, or null. */
export interface ReviewPageArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * What a product's visible reviews add up to. `averageRating` is the exact mean (a float), null
 * without reviews; `distribution[i]` counts the reviews with i + 1 stars.
 */
export interface ProductReviewAggregate {
  reviewCount: number;
  averageRating: number | null;
  distribution: [number, number, number, number, number];
}

/**
 * The total number of reviews of each parent id, in input order. Lets a caller answer
 * `totalCount` from a batch it already runs (a DataLoader) instead of a second count.
 */
export type TotalCounts = (parentIds: readonly number[]) => Promise<readonly number[]>;

/**
 * Position of a review in the (createdAt DESC, id DESC) order: createdAt as `Date#toISOString`
 * writes it; ids are UUIDs, or `dummyjson-<product>-<n>` for imported reviews.
 */
const reviewCursor = cursorCodec(
  z.object({
    createdAt: cursorKeys.timestamp(),
    id: cursorKeys.text(100).regex(/^[A-Za-z0-9-]+$/),
  }),
);
type ReviewCursor = ReturnType<typeof reviewCursor.decode>;

const cursorOf = (review: ReviewRecord): string => reviewCursor.encode({ createdAt: review.createdAt.toISOString(), id: review.id });

/** The column a page is partitioned by. Never comes from input: it is spliced into SQL as an identifier. */
type ParentColumn = 'productId' | 'authorId';

/** Reads of reviews (hidden ones left out of pages and counts). Every batch method costs one SQL statement however many parents it gets. */
export class ReviewService {
  constructor(private readonly db: ReviewDb) {}

  /** Batch function for the review DataLoader: one query for any number of ids, in input order. */
  async reviewsByIds(ids: readonly string[]): Promise<(ReviewRecord | null)[]> {
    return alignByKey(ids, await this.db.review.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id);
  }

  /**
   * The same page of reviews (newest first) for each product, in input order, from one statement.
   * `totals` supplies totalCount (by default one more statement, {@link aggregatesByProduct}).
   * @throws BadUserInputError for a `first` outside 0..100 or a cursor this API did not issue.
   */
  reviewPagesByProduct(productIds: readonly number[], args: ReviewPageArgs, totals?: TotalCounts): Promise<ReviewPage[]> {
    return this.pages(
      'productId',
      productIds,
      args,
      totals ?? (async (ids) => (await this.aggregatesByProduct(ids)).map((a) => a.reviewCount)),
    );
  }

  /**
   * The same page of reviews (newest first) for each author, in input order, from one statement.
   * `totals` supplies totalCount (by default one more statement, {@link countsByAuthor}).
   * @throws BadUserInputError for a `first` outside 0..100 or a cursor this API did not issue.
   */
  reviewPagesByAuthor(authorIds: readonly number[], args: ReviewPageArgs, totals?: TotalCounts): Promise<ReviewPage[]> {
    return this.pages('authorId', authorIds, args, totals ?? ((ids) => this.countsByAuthor(ids)));
  }

  /**
   * Review count, mean rating and star distribution of each product's visible reviews, in input
   * order, from one read of the incrementally maintained ProductRating rows (never a GROUP BY over reviews).
   */
  async aggregatesByProduct(productIds: readonly number[]): Promise<ProductReviewAggregate[]> {
    const rows = await this.db.productRating.findMany({ where: { productId: { in: [...productIds] } } });
    const byId = new Map(rows.map((r) => [r.productId, r]));
    return productIds.map((id) => {
      const r = byId.get(id);
      if (!r || r.reviewCount === 0) return { reviewCount: 0, averageRating: null, distribution: [0, 0, 0, 0, 0] };
      return {
        reviewCount: r.reviewCount,
        averageRating: r.ratingSum / r.reviewCount,
        distribution: [r.stars1, r.stars2, r.stars3, r.stars4, r.stars5],
      };
    });
  }

  /** Number of visible reviews each author wrote, in input order, from one GROUP BY. */
  async countsByAuthor(authorIds: readonly number[]): Promise<number[]> {
    const groups = await this.db.review.groupBy({
      by: ['authorId'],
      where: { authorId: { in: [...authorIds] }, hidden: false },
      _count: { _all: true },
    });
    const byId = new Map(groups.map((g) => [g.authorId, g._count._all]));
    return authorIds.map((id) => byId.get(id) ?? 0);
  }

  private async pages(
    column: ParentColumn,
    parentIds: readonly number[],
    args: ReviewPageArgs,
    totals: TotalCounts,
  ): Promise<ReviewPage[]> {
    const take = pageSize(args.first, MAX_REVIEW_PAGE, DEFAULT_REVIEW_PAGE);
    const after = args.after ? reviewCursor.decode(args.after) : null;
    if (parentIds.length === 0) return [];
    const [rows, counts] = await Promise.all([this.firstRowsPerParent(column, parentIds, take + 1, after), totals(parentIds)]);
    const byParent = new Map<number, ReviewRecord[]>();
    for (const row of rows) {
      const list = byParent.get(row[column]);
      if (list) list.push(row);
      else byParent.set(row[column], [row]);
    }
    // One row beyond each page was fetched just to answer hasNextPage without a count.
    return parentIds.map((id, i) => ({
      ...connectionPage(byParent.get(id) ?? [], take, after !== null, (node) => ({ cursor: cursorOf(node), node })),
      totalCount: counts[i] ?? 0,
    }));
  }

  /**
   * Up to `limit` newest visible reviews of every parent after `after`, ordered by parent then newest first.
   * A window function ranks each parent's reviews, so N parents cost one statement, not N LIMIT queries.
   */
  private firstRowsPerParent(
    column: ParentColumn,
    parentIds: readonly number[],
    limit: number,
    after: ReviewCursor | null,
  ): Promise<ReviewRecord[]> {
    const parent = Prisma.raw(`"${column}"`);
    // Row comparison matches the ORDER BY exactly, so a page never repeats or skips a review even
    // when many share one timestamp (the imported ones all do).
    const afterCursor = after
      ? Prisma.sql`AND ("createdAt", "id") < (CAST(${after.createdAt} AS timestamp(3)), ${after.id})`
      : Prisma.empty;
    return this.db.$queryRaw<ReviewRecord[]>(Prisma.sql`
      SELECT "id", "productId", "authorId", "rating", "body", "verifiedPurchase", "hidden", "hiddenReason", "helpfulCount",
             "createdAt", "updatedAt"
      FROM (
        SELECT *, row_number() OVER (PARTITION BY ${parent} ORDER BY "createdAt" DESC, "id" DESC) AS "position"
        FROM "Review"
        WHERE ${parent} IN (${Prisma.join([...new Set(parentIds)])}) AND NOT "hidden" ${afterCursor}
      ) AS ranked
      WHERE "position" <= ${limit}
      ORDER BY ${parent}, "createdAt" DESC, "id" DESC`);
  }
}
