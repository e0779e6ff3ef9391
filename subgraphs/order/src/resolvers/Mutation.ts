import { requireAdmin, requireUser } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  checkout: async (_parent, { input }, ctx) => ({
    order: await ctx.orders.checkout(requireUser(ctx.caller), input),
  }),
  cancelOrder: (_parent, { id, reason }, ctx) => ctx.orders.cancel(requireUser(ctx.caller), id, reason),
  shipOrder: (_parent, { id, carrier, trackingNumber }, ctx) => ctx.orders.ship(requireUser(ctx.caller), id, carrier, trackingNumber),
  deliverOrder: (_parent, { id }, ctx) => ctx.orders.deliver(requireUser(ctx.caller), id),
  applyCoupon: (_parent, { code }, ctx) => ctx.cartPricing.applyCoupon(ctx.caller, code),
  removeCoupon: (_parent, _args, ctx) => ctx.cartPricing.removeCoupon(ctx.caller),
  createCoupon: (_parent, { input }, ctx) => {
    requireAdmin(ctx.caller);
    return ctx.coupons.create(input);
  },
  updateCoupon: (_parent, { code, input }, ctx) => {
    requireAdmin(ctx.caller);
    return ctx.coupons.update(code, input);
  },
  disableCoupon: (_parent, { code }, ctx) => {
    requireAdmin(ctx.caller);
    return ctx.coupons.disable(code);
  },
  updateShippingRate: (_parent, { zone, method, input }, ctx) => {
    requireAdmin(ctx.caller);
    return ctx.rates.update(zone, method, input);
  },
  requestReturn: (_parent, { input }, ctx) => ctx.returns.request(ctx.caller, input),
  approveReturn: (_parent, { id, restock }, ctx) => ctx.returns.approve(ctx.caller, id, restock),
  rejectReturn: (_parent, { id, note }, ctx) => ctx.returns.reject(ctx.caller, id, note),
  refundOrder: (_parent, { input }, ctx) => ctx.returns.refundOrder(ctx.caller, input),
};
