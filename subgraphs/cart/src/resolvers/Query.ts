import { requireUser } from '@commerce/common';
import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  cart: (_parent, _args, ctx) => ctx.carts.cartOf(requireUser(ctx.caller).userId),
};
