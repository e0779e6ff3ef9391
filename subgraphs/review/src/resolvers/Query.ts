import type { QueryResolvers } from '../__generated__/resolvers-types';
import { mayReadReview } from '../services/review-policy';

export const Query: QueryResolvers = {
  review: async (_parent, { id }, ctx) => {
    const review = await ctx.loaders.review.load(id);
    return review && mayReadReview(ctx.caller, review) ? review : null;
  },
};
