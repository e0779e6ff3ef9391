import { parseIntId } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  createGuestCart: (_parent, _args, ctx) => ctx.guestCarts.create(ctx.caller),
  mergeCart: (_parent, { token }, ctx) => ctx.guestCarts.mergeSignedIn(ctx.caller, token),
  addToCart: (_parent, { productId, quantity }, ctx) => ctx.carts.addItem(ctx.shopper, parseIntId(productId, 'product'), quantity),
  updateCartItem: (_parent, { productId, quantity }, ctx) => ctx.carts.updateItem(ctx.shopper, parseIntId(productId, 'product'), quantity),
  removeFromCart: (_parent, { productId }, ctx) => ctx.carts.removeItem(ctx.shopper, parseIntId(productId, 'product')),
  clearCart: (_parent, _args, ctx) => ctx.carts.clear(ctx.shopper),
  commitCheckout: (_parent, { userId, orderId, lines }, ctx) =>
    ctx.carts.commitCheckout(
      ctx.caller,
      parseIntId(userId, 'user'),
      orderId,
      lines.map((l) => ({ productId: parseIntId(l.productId, 'product'), quantity: l.quantity })),
    ),
  mergeGuestCart: (_parent, { userId, token }, ctx) => ctx.guestCarts.mergeFor(ctx.caller, parseIntId(userId, 'user'), token),
};
