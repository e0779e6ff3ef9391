import { NotFoundError, entityRef, money } from '@commerce/common';
import type { RefundResolvers, ReturnLineResolvers, ReturnRequestResolvers } from '../__generated__/resolvers-types';

// [returns, issue 11 item 5]
export const ReturnRequest: ReturnRequestResolvers = {
  order: async (r, _args, ctx) => {
    const order = await ctx.orders.orderFor(ctx.caller, r.orderId);
    if (!order) throw new NotFoundError('Order', r.orderId);
    return order;
  },
  lines: (r) => r.lines.map((l) => ({ ...l, currencyCode: r.order.currencyCode })),
  refundTotal: (r) => (r.refundCents === null ? null : money(r.refundCents, r.order.currencyCode)),
  shippingRefund: (r) => money(r.shippingRefundCents, r.order.currencyCode),
  createdAt: (r) => r.createdAt.toISOString(),
  decidedAt: (r) => r.decidedAt?.toISOString() ?? null,
};

export const ReturnLine: ReturnLineResolvers = {
  product: (l) => entityRef('Product', l.productId),
  amount: (l) => (l.amountCents === null ? null : money(l.amountCents, l.currencyCode)),
  tax: (l) => (l.taxCents === null ? null : money(l.taxCents, l.currencyCode)),
};

export const Refund: RefundResolvers = {
  amount: (r) => money(r.amountCents, r.currencyCode),
  returnRequest: (r, _args, ctx) => (r.returnId ? ctx.returns.returnFor(ctx.caller, r.returnId) : null),
  createdAt: (r) => r.createdAt.toISOString(),
};
