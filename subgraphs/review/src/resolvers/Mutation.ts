import { ForbiddenError, parseIntId, requireUser, type Caller } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

/** The signed-in moderator's or admin's user id. @throws UnauthenticatedError, ForbiddenError */
function requireModerator(caller: Caller): number {
  const user = requireUser(caller);
  if (user.role !== 'MODERATOR' && user.role !== 'ADMIN') throw new ForbiddenError('Only moderators and admins moderate reviews');
  return user.userId;
}

export const Mutation: MutationResolvers = {
  createReview: (_parent, { productId, rating, body }, ctx) =>
    ctx.writes.upsert(requireUser(ctx.caller).userId, parseIntId(productId, 'product'), { rating, body }),
  voteReviewHelpful: (_parent, { reviewId, helpful }, ctx) => ctx.writes.voteHelpful(reviewId, requireUser(ctx.caller).userId, helpful),
  hideReview: (_parent, { id, reason }, ctx) => ctx.writes.moderate(id, requireModerator(ctx.caller), true, reason),
  restoreReview: (_parent, { id, reason }, ctx) => ctx.writes.moderate(id, requireModerator(ctx.caller), false, reason),
};
