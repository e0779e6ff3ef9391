import { entityRef, money } from '@commerce/common';
import type {
  CartQuoteResolvers,
  CartResolvers,
  QuoteLineResolvers,
  ShippingOptionResolvers,
  TaxLineResolvers,
} from '../__generated__/resolvers-types';
import type { TaxLineView } from '../services/cart-pricing';

export const Cart: CartResolvers = {
  __resolveReference: (ref) => ref,
  couponCode: (cart, _args, ctx) => ctx.cartPricing.couponCode(cart),
  shippingOptions: (cart, { countryCode, region }, ctx) => ctx.cartPricing.shippingOptions(ctx.caller, cart, countryCode, region),
  quote: (cart, args, ctx) => ctx.cartPricing.quote(ctx.caller, cart, args),
};

export const CartQuote: CartQuoteResolvers = {
  subtotal: (q) => money(q.subtotal, q.currencyCode),
  discountTotal: (q) => money(q.discountTotal, q.currencyCode),
  shippingTotal: (q) => money(q.shippingTotal, q.currencyCode),
  taxTotal: (q) => money(q.taxTotal, q.currencyCode),
  total: (q) => money(q.total, q.currencyCode),
  couponCode: (q) => q.coupon?.code ?? null,
  couponProblem: (q) => q.coupon?.problem ?? null,
  shipping: (q) => (q.shipping && q.estimate ? { shipping: q.shipping, estimate: q.estimate, currencyCode: q.currencyCode } : null),
  taxLines: (q) => q.taxLines.map((t) => ({ ...t, currencyCode: q.currencyCode })),
  lines: (q) => q.lines.map((l) => ({ ...l, currencyCode: q.currencyCode })),
};

export const ShippingOption: ShippingOptionResolvers = {
  method: (o) => o.shipping.method,
  zone: (o) => o.shipping.zone,
  chargeableKg: (o) => o.shipping.chargeableKg,
  price: (o) => money(o.shipping.priceCents, o.currencyCode),
  fullPrice: (o) => money(o.shipping.fullPriceCents, o.currencyCode),
  freeReason: (o) => o.shipping.free,
  estimatedDelivery: (o) => o.estimate,
};

export const TaxLine: TaxLineResolvers = {
  product: (t: TaxLineView) => (t.productId === null ? null : entityRef('Product', t.productId)),
  taxable: (t) => money(t.taxableCents, t.currencyCode),
  tax: (t) => money(t.taxCents, t.currencyCode),
};

export const QuoteLine: QuoteLineResolvers = {
  product: (l) => entityRef('Product', l.productId),
  lineTotal: (l) => money(l.lineTotalCents, l.currencyCode),
  discount: (l) => money(l.discountCents, l.currencyCode),
  tax: (l) => money(l.taxCents, l.currencyCode),
};
