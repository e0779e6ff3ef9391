import type { ReviewResolvers } from '../__generated__/resolvers-types';
import { entityRef } from '@commerce/common';

export const Review: ReviewResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.review.load(String(ref.id)),
  id: (r) => String(r.id),
  createdAt: (r) => r.createdAt.toISOString(),
  author: (r) => entityRef('User', r.authorId),
  product: (r) => entityRef('Product', r.productId),
};
