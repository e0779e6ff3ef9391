import { hasRole } from '@commerce/common';
import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  review: async (_parent, { id }, ctx) => {
    const review = await ctx.loaders.review.load(id);
    if (!review?.hidden) return review;
    const maySee = hasRole(ctx.caller, 'MODERATOR', 'ADMIN') || (ctx.caller.kind === 'user' && ctx.caller.userId === review.authorId);
    return maySee ? review : null;
  },
};
