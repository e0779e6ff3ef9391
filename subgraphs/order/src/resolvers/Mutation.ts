import { requireUser } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  checkout: async (_parent, { input }, ctx) => ({
    order: await ctx.orders.checkout(requireUser(ctx.caller).userId, input.idempotencyKey),
  }),
};
