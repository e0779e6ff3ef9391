import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  order: (_parent, { id }, ctx) => ctx.orders.orderFor(ctx.caller, id),
  orderStatusEvent: (_parent, { id }, ctx) => ctx.orders.orderAtEvent(ctx.caller, id),
};
