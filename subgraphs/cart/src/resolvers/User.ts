import { parseIntId, tryParseIntId } from '@commerce/common';
import type { UserResolvers } from '../__generated__/resolvers-types';

export const User: UserResolvers = {
  __resolveReference: (ref) => (tryParseIntId(ref.id) === null ? null : { id: String(ref.id) }),
  cart: (user, _args, ctx) => ctx.carts.cartOfUserFor(ctx.caller, parseIntId(user.id, 'user')),
};
