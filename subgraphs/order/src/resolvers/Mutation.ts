import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  checkout: async (_parent, { input }, ctx) => ({
    order: await ctx.orders.checkout(ctx.caller, input),
  }),
  cancelOrder: (_parent, { id, reason }, ctx) => ctx.orders.cancel(ctx.caller, id, reason),
  shipOrder: (_parent, { id, carrier, trackingNumber }, ctx) => ctx.orders.ship(ctx.caller, id, carrier, trackingNumber),
  deliverOrder: (_parent, { id }, ctx) => ctx.orders.deliver(ctx.caller, id),
  applyCoupon: (_parent, { code }, ctx) => ctx.cartPricing.applyCoupon(ctx.caller, code),
  removeCoupon: (_parent, _args, ctx) => ctx.cartPricing.removeCoupon(ctx.caller),
  createCoupon: (_parent, { input }, ctx) => ctx.coupons.create(ctx.caller, input),
  updateCoupon: (_parent, { code, input }, ctx) => ctx.coupons.update(ctx.caller, code, input),
  disableCoupon: (_parent, { code }, ctx) => ctx.coupons.disable(ctx.caller, code),
  updateShippingRate: (_parent, { zone, method, input }, ctx) => ctx.rates.update(ctx.caller, zone, method, input),
  requestReturn: (_parent, { input }, ctx) => ctx.returns.request(ctx.caller, input),
  approveReturn: (_parent, { id, restock }, ctx) => ctx.returns.approve(ctx.caller, id, restock),
  rejectReturn: (_parent, { id, note }, ctx) => ctx.returns.reject(ctx.caller, id, note),
  refundOrder: (_parent, { input }, ctx) => ctx.returns.refundOrder(ctx.caller, input),
};
