import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  order: (_parent, { id }, ctx) => ctx.orders.orderFor(ctx.caller, id),
  orderStatusEvent: (_parent, { id }, ctx) => ctx.orders.orderAtEvent(ctx.caller, id),
  shippingRates: (_parent, _args, ctx) => ctx.rates.list(),
  orders: (_parent, args, ctx) => ctx.orders.list(ctx.caller, args),
  coupons: (_parent, _args, ctx) => ctx.coupons.list(ctx.caller),
  returnRequest: (_parent, { id }, ctx) => ctx.returns.returnFor(ctx.caller, id),
  returnRequests: (_parent, { status }, ctx) => ctx.returns.returnsByStatus(ctx.caller, status),
};
