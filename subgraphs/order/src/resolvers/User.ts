import { parseIntId, tryParseIntId } from '@commerce/common';
import type { UserResolvers } from '../__generated__/resolvers-types';

export const User: UserResolvers = {
  __resolveReference: (ref) => (tryParseIntId(ref.id) === null ? null : { id: String(ref.id) }),
  orders: (user, args, ctx) => ctx.orders.ordersOf(ctx.caller, parseIntId(user.id, 'user'), args),
};
