import { parseIntId, requireService, requireUser } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  addToCart: (_parent, { productId, quantity }, ctx) =>
    ctx.carts.addItem(requireUser(ctx.caller).userId, parseIntId(productId, 'product'), quantity),
  updateCartItem: (_parent, { productId, quantity }, ctx) =>
    ctx.carts.updateItem(requireUser(ctx.caller).userId, parseIntId(productId, 'product'), quantity),
  removeFromCart: (_parent, { productId }, ctx) => ctx.carts.removeItem(requireUser(ctx.caller).userId, parseIntId(productId, 'product')),
  clearCart: (_parent, _args, ctx) => ctx.carts.clear(requireUser(ctx.caller).userId),
  commitCheckout: (_parent, { userId, orderId, lines }, ctx) => {
    requireService(ctx.caller);
    return ctx.carts.commitCheckout(
      parseIntId(userId, 'user'),
      orderId,
      lines.map((l) => ({ productId: parseIntId(l.productId, 'product'), quantity: l.quantity })),
    );
  },
};
