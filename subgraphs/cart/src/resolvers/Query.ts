import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  cart: (_parent, _args, ctx) => ctx.carts.cartOf(ctx.shopper),
};
