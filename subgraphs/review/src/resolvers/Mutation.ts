import { parseIntId } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  createReview: (_parent, { productId, rating, body }, ctx) =>
    ctx.writes.upsert(ctx.caller, parseIntId(productId, 'product'), { rating, body }),
  voteReviewHelpful: (_parent, { reviewId, helpful }, ctx) => ctx.writes.voteHelpful(ctx.caller, reviewId, helpful),
  hideReview: (_parent, { id, reason }, ctx) => ctx.writes.moderate(ctx.caller, id, true, reason),
  restoreReview: (_parent, { id, reason }, ctx) => ctx.writes.moderate(ctx.caller, id, false, reason),
};
