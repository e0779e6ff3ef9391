import { entityRef, lineTotal, money, orderSubtotal } from '@commerce/common';
import type { CartItemResolvers, CartResolvers } from '../__generated__/resolvers-types';

const DEFAULT_CURRENCY = 'USD';

export const Cart: CartResolvers = {
  // Reached from the order subgraph (applyCoupon, removeCoupon return the cart by id).
  __resolveReference: (ref, ctx) => ctx.carts.cartFor(ctx.shopper, String(ref.id)),
  subtotal: (cart) =>
    money(
      orderSubtotal(cart.items.map((i) => lineTotal(i.unitPriceCents, i.quantity, i.discountBasisPoints))),
      cart.items[0]?.currencyCode ?? DEFAULT_CURRENCY,
    ),
  totalQuantity: (cart) => cart.items.reduce((sum, i) => sum + i.quantity, 0),
  updatedAt: (cart) => cart.updatedAt.toISOString(),
  expiresAt: (cart) => cart.expiresAt?.toISOString() ?? null,
};

export const CartItem: CartItemResolvers = {
  product: (item) => entityRef('Product', item.productId),
  unitPrice: (item) => money(item.unitPriceCents, item.currencyCode),
  discountPercentage: (item) => item.discountBasisPoints / 100,
  lineTotal: (item) => money(lineTotal(item.unitPriceCents, item.quantity, item.discountBasisPoints), item.currencyCode),
};
