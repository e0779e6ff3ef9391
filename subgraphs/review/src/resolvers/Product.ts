import type { ProductResolvers } from '../__generated__/resolvers-types';
import { DEFAULT_REVIEW_PAGE, MAX_REVIEW_PAGE } from '../services/review.service';
import { entityRef, pageSize, tryParseIntId } from '@commerce/common';
import { entityId } from './refs';

export const Product: ProductResolvers = {
  // Any integer id is a product as far as reviews go: one without reviews has an empty connection.
  __resolveReference: (ref) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : entityRef('Product', id);
  },
  reviews: (p, { first, after }, ctx) =>
    ctx.loaders.productReviews({ first: pageSize(first, MAX_REVIEW_PAGE, DEFAULT_REVIEW_PAGE), after }).load(entityId(p, 'product')),
  averageRating: async (p, _args, ctx) => (await ctx.loaders.productAggregates.load(entityId(p, 'product'))).averageRating,
  reviewCount: async (p, _args, ctx) => (await ctx.loaders.productAggregates.load(entityId(p, 'product'))).reviewCount,
  ratingDistribution: async (p, _args, ctx) =>
    (await ctx.loaders.productAggregates.load(entityId(p, 'product'))).distribution.map((count, i) => ({ stars: i + 1, count })),
};
