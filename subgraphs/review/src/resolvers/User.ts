import type { UserResolvers } from '../__generated__/resolvers-types';
import { DEFAULT_REVIEW_PAGE, MAX_REVIEW_PAGE } from '../services/review.service';
import { entityRef, pageSize, tryParseIntId } from '@commerce/common';
import { entityId } from './refs';

export const User: UserResolvers = {
  // Any integer id is a user as far as reviews go: one who wrote none has an empty connection.
  __resolveReference: (ref) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : entityRef('User', id);
  },
  reviews: (u, { first, after }, ctx) =>
    ctx.loaders.authorReviews({ first: pageSize(first, MAX_REVIEW_PAGE, DEFAULT_REVIEW_PAGE), after }).load(entityId(u, 'user')),
};
