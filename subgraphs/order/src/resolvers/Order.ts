import { entityRef, money } from '@commerce/common';
import { actingUserVisibleTo } from '../services/order-history';
import { addressOfOrder, estimateOfOrder } from '../services/order-pricing';
import { taxLinesOf } from '../services/order.repository';
import type {
  OrderActorResolvers,
  OrderConnectionResolvers,
  OrderEventResolvers,
  OrderItemResolvers,
  OrderResolvers,
  PaymentResolvers,
} from '../__generated__/resolvers-types';

export const Order: OrderResolvers = {
  __resolveReference: (ref, ctx) => ctx.orders.orderFor(ctx.caller, String(ref.id)),
  subtotal: (o) => money(o.subtotalCents, o.currencyCode),
  discountTotal: (o) => money(o.discountTotalCents, o.currencyCode),
  shippingTotal: (o) => money(o.shippingTotalCents, o.currencyCode),
  taxTotal: (o) => money(o.taxTotalCents, o.currencyCode),
  total: (o) => money(o.totalCents, o.currencyCode),
  shippingAddress: (o) => addressOfOrder(o),
  taxLines: (o) => taxLinesOf(o).map((t) => ({ ...t, currencyCode: o.currencyCode })),
  estimatedDelivery: (o) => estimateOfOrder(o),
  createdAt: (o) => o.createdAt.toISOString(),
  updatedAt: (o) => o.updatedAt.toISOString(),
  user: (o) => entityRef('User', o.userId),
  payment: (o) => o.payment,
  returns: (o, _args, ctx) => ctx.loaders.returns.load(o.id),
  refunds: (o, _args, ctx) => ctx.loaders.refunds.load(o.id),
  shippedAt: (o) => o.shippedAt?.toISOString() ?? null,
  deliveredAt: (o) => o.deliveredAt?.toISOString() ?? null,
  timeline: (o, _args, ctx) => ctx.loaders.timeline.load(o.id),
  // Money of a line shares its order's currency.
  items: (o) => o.items.map((item) => ({ ...item, currencyCode: o.currencyCode })),
};

export const OrderItem: OrderItemResolvers = {
  product: (item) => entityRef('Product', item.productId),
  unitPrice: (item) => money(item.unitPriceCents, item.currencyCode),
  discountPercentage: (item) => item.discountBasisPoints / 100,
  lineTotal: (item) => money(item.lineTotalCents, item.currencyCode),
  discount: (item) => money(item.discountCents, item.currencyCode),
  tax: (item) => money(item.taxCents, item.currencyCode),
};

export const Payment: PaymentResolvers = {
  amount: (p) => money(p.amountCents, p.currencyCode),
  refunded: (p) => money(p.refundedCents, p.currencyCode),
};

export const OrderEvent: OrderEventResolvers = {
  occurredAt: (e) => e.createdAt.toISOString(),
  actor: (e) => e,
};

export const OrderActor: OrderActorResolvers = {
  kind: (e) => e.actorKind,
  user: (e, _args, ctx) => {
    const userId = actingUserVisibleTo(ctx.caller, e);
    return userId === null ? null : entityRef('User', userId);
  },
  role: (e) => e.actorRole,
  name: (e) => e.actorName,
};

export const OrderConnection: OrderConnectionResolvers = {
  totalCount: (page) => page.totalCount(),
};
