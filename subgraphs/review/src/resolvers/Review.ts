import type { ReviewResolvers } from '../__generated__/resolvers-types';
import { entityRef } from '@commerce/common';
import { moderationReasonFor } from '../services/review-policy';

export const Review: ReviewResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.review.load(String(ref.id)),
  id: (r) => String(r.id),
  createdAt: (r) => r.createdAt.toISOString(),
  updatedAt: (r) => r.updatedAt.toISOString(),
  moderationReason: (r, _args, ctx) => moderationReasonFor(ctx.caller, r),
  author: (r) => entityRef('User', r.authorId),
  product: (r) => entityRef('Product', r.productId),
};
