import DataLoader from 'dataloader';
import type { Queue } from 'bullmq';
import { createServiceClient, type BaseContext, type Logger, type ProductRatingJob } from '@commerce/common';
import type { ReviewDb, ReviewRecord } from './db';
import { ProductClient } from './services/product-client';
import { RatingPublisher } from './services/rating-publisher';
import { ReviewWriteService } from './services/review-write.service';
import { ReviewService, type ProductReviewAggregate, type ReviewPage, type TotalCounts } from './services/review.service';

/** Page arguments after validation: `first` already checked by pageSize. */
export interface PageKey {
  first: number;
  after: string | null | undefined;
}

/** The DataLoader of one page shape (first, after), keyed by parent id. */
export type PageLoaders = (page: PageKey) => DataLoader<number, ReviewPage>;

export interface Context extends BaseContext {
  reviews: ReviewService;
  writes: ReviewWriteService;
  loaders: {
    review: DataLoader<string, ReviewRecord | null>;
    productAggregates: DataLoader<number, ProductReviewAggregate>;
    authorCounts: DataLoader<number, number>;
    productReviews: PageLoaders;
    authorReviews: PageLoaders;
  };
}

/**
 * A DataLoader per distinct (first, after), created on first use and kept for the request.
 * The page arguments cannot be part of a DataLoader key batch (one SQL statement answers one
 * page shape), so 100 products asking `reviews(first: 3)` share one loader and one statement.
 */
function pageLoaders(batch: (parentIds: readonly number[], page: PageKey) => Promise<ReviewPage[]>): PageLoaders {
  const byPage = new Map<string, DataLoader<number, ReviewPage>>();
  return (page) => {
    const key = `${page.first}:${page.after ?? ''}`;
    let loader = byPage.get(key);
    if (!loader) {
      loader = new DataLoader((ids) => batch(ids, page));
      byPage.set(key, loader);
    }
    return loader;
  };
}

/** Values of `loadMany`, rethrowing the first failure (loadMany reports errors in place). */
async function loadAll<K, V>(loader: DataLoader<K, V>, keys: readonly K[]): Promise<V[]> {
  const results = await loader.loadMany(keys);
  return results.map((r) => {
    if (r instanceof Error) throw r;
    return r;
  });
}

/** What the review subgraph's services need. */
export interface ReviewServicesOptions {
  db: ReviewDb;
  /** Queue of rating snapshots for the product subgraph (QueueName.productRatings). */
  ratingQueue: Queue<ProductRatingJob>;
  /** The product subgraph, asked whether a product can be reviewed. */
  productSubgraphUrl: string;
  internalSecret: string;
  logger: Logger;
}

/** Per-request context: DataLoaders so that N parents of one kind cost one SQL statement per field. */
export function createContextFactory(options: ReviewServicesOptions) {
  const { db } = options;
  const reviews = new ReviewService(db);
  const products = new ProductClient(
    createServiceClient({ url: options.productSubgraphUrl, service: 'review-subgraph', secret: options.internalSecret }),
  );
  const writes = new ReviewWriteService(db, products, new RatingPublisher(options.ratingQueue, options.logger));
  return (base: BaseContext): Context => {
    const productAggregates = new DataLoader((ids: readonly number[]) => reviews.aggregatesByProduct(ids));
    const authorCounts = new DataLoader((ids: readonly number[]) => reviews.countsByAuthor(ids));
    // totalCount comes from the same loaders as reviewCount, so asking for both costs one GROUP BY.
    const productTotals: TotalCounts = async (ids) => (await loadAll(productAggregates, ids)).map((a) => a.reviewCount);
    const authorTotals: TotalCounts = (ids) => loadAll(authorCounts, ids);
    return {
      ...base,
      reviews,
      writes,
      loaders: {
        review: new DataLoader((ids) => reviews.reviewsByIds(ids)),
        productAggregates,
        authorCounts,
        productReviews: pageLoaders((ids, page) => reviews.reviewPagesByProduct(ids, page, productTotals)),
        authorReviews: pageLoaders((ids, page) => reviews.reviewPagesByAuthor(ids, page, authorTotals)),
      },
    };
  };
}
