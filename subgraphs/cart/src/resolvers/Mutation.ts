import { parseIntId, requireService, requireUser } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  createGuestCart: (_parent, _args, ctx) => ctx.guestCarts.create(ctx.caller),
  mergeCart: async (_parent, { token }, ctx) => (await ctx.guestCarts.merge(requireUser(ctx.caller).userId, token)).cart,
  addToCart: (_parent, { productId, quantity }, ctx) => ctx.carts.addItem(ctx.shopper, parseIntId(productId, 'product'), quantity),
  updateCartItem: (_parent, { productId, quantity }, ctx) => ctx.carts.updateItem(ctx.shopper, parseIntId(productId, 'product'), quantity),
  removeFromCart: (_parent, { productId }, ctx) => ctx.carts.removeItem(ctx.shopper, parseIntId(productId, 'product')),
  clearCart: (_parent, _args, ctx) => ctx.carts.clear(ctx.shopper),
  commitCheckout: (_parent, { userId, orderId, lines }, ctx) => {
    requireService(ctx.caller);
    return ctx.carts.commitCheckout(
      parseIntId(userId, 'user'),
      orderId,
      lines.map((l) => ({ productId: parseIntId(l.productId, 'product'), quantity: l.quantity })),
    );
  },
  mergeGuestCart: async (_parent, { userId, token }, ctx) => {
    requireService(ctx.caller);
    return (await ctx.guestCarts.merge(parseIntId(userId, 'user'), token)).merged;
  },
};
