import { entityRef, money } from '@commerce/common';
import type { OrderConnectionResolvers, OrderItemResolvers, OrderResolvers, PaymentResolvers } from '../__generated__/resolvers-types';

export const Order: OrderResolvers = {
  __resolveReference: (ref, ctx) => ctx.orders.orderFor(ctx.caller, String(ref.id)),
  subtotal: (o) => money(o.subtotalCents, o.currencyCode),
  total: (o) => money(o.totalCents, o.currencyCode),
  createdAt: (o) => o.createdAt.toISOString(),
  updatedAt: (o) => o.updatedAt.toISOString(),
  user: (o) => entityRef('User', o.userId),
  payment: (o) => o.payment,
  // Money of a line shares its order's currency.
  items: (o) => o.items.map((item) => ({ ...item, currencyCode: o.currencyCode })),
};

export const OrderItem: OrderItemResolvers = {
  product: (item) => entityRef('Product', item.productId),
  unitPrice: (item) => money(item.unitPriceCents, item.currencyCode),
  discountPercentage: (item) => item.discountBasisPoints / 100,
  lineTotal: (item) => money(item.lineTotalCents, item.currencyCode),
};

export const Payment: PaymentResolvers = {
  amount: (p) => money(p.amountCents, p.currencyCode),
};

export const OrderConnection: OrderConnectionResolvers = {
  totalCount: (page) => page.totalCount(),
};
