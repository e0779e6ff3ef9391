import { requireUser } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  checkout: async (_parent, { input }, ctx) => ({
    order: await ctx.orders.checkout(requireUser(ctx.caller).userId, input),
  }),
  cancelOrder: (_parent, { id }, ctx) => ctx.orders.cancel(requireUser(ctx.caller), id),
  shipOrder: (_parent, { id }, ctx) => ctx.orders.ship(requireUser(ctx.caller), id),
  deliverOrder: (_parent, { id }, ctx) => ctx.orders.deliver(requireUser(ctx.caller), id),
};
