import { ForbiddenError, canActFor, parseIntId, tryParseIntId } from '@commerce/common';
import type { UserResolvers } from '../__generated__/resolvers-types';

export const User: UserResolvers = {
  __resolveReference: (ref) => (tryParseIntId(ref.id) === null ? null : { id: String(ref.id) }),
  cart: (user, _args, ctx) => {
    const userId = parseIntId(user.id, 'user');
    if (!canActFor(ctx.caller, userId)) throw new ForbiddenError('You may only read your own cart');
    return ctx.carts.cartOfUser(userId);
  },
};
