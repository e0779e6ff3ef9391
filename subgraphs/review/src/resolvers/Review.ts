import type { ReviewResolvers } from '../__generated__/resolvers-types';
import { productRef, userRef } from './refs';

export const Review: ReviewResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.review.load(String(ref.id)),
  id: (r) => String(r.id),
  createdAt: (r) => r.createdAt.toISOString(),
  author: (r) => userRef(r.authorId),
  product: (r) => productRef(r.productId),
};
