import { lineTotal } from '../pricing';
import { couponDiscount, couponProblem, type CouponLine } from './coupons';
import {
  chargeableKg,
  deliveryEstimate,
  freeShippingReason,
  rateFor,
  shippingPrice,
  type DeliveryEstimate,
  type FreeShippingReason,
} from './shipping';
import { jurisdictionOf, taxOf, taxRate } from './tax';
import type {
  CouponProblem,
  CouponTerms,
  CouponUsage,
  Destination,
  QuoteLine,
  ShippingMethod,
  ShippingRate,
  ShippingZone,
  TaxCategory,
} from './types';
import { zoneOf } from './zones';

export interface QuoteInput {
  lines: readonly QuoteLine[];
  /** Where it ships; null: nothing ships (no shipping, no tax: a checkout without shipping input). */
  destination?: Destination | null;
  /** Default STANDARD. */
  method?: ShippingMethod;
  /** The shipping table (must hold the destination's zone × method). */
  rates: readonly ShippingRate[];
  /** The applied coupon, if any. */
  coupon?: CouponTerms | null;
  /** Redemptions so far, for the usage limits; omitted: limits not checked (the checkout saga reserves them). */
  couponUsage?: CouponUsage | null;
  /** Validity of the coupon and the estimate's dates are taken at this instant. */
  now: Date;
}

/** A priced line: totals in cents. */
export interface QuotedLine {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
  /** After the catalog discount (DESIGN.md). */
  lineTotalCents: number;
  /** This line's share of the coupon discount. */
  discountCents: number;
  /** lineTotal − discount: the taxable amount. */
  netCents: number;
  taxCents: number;
}

/** Tax on one line (productId) or on the shipping (productId null). */
export interface TaxLine {
  kind: 'LINE' | 'SHIPPING';
  productId: number | null;
  /** `US-CA`, `DE`, … */
  jurisdiction: string;
  taxCategory: TaxCategory;
  rateBasisPoints: number;
  taxableCents: number;
  taxCents: number;
}

export interface ShippingQuote {
  zone: ShippingZone;
  method: ShippingMethod;
  chargeableKg: number;
  /** base + perKg × kg, before any free-shipping rule. */
  fullPriceCents: number;
  /** What is charged: 0 when `free`. */
  priceCents: number;
  free: FreeShippingReason | null;
  rate: ShippingRate;
}

/** The coupon's outcome: applied, or the reason it was not. */
export interface CouponOutcome {
  code: string;
  applied: boolean;
  problem: CouponProblem | null;
}

/** A full price of lines shipped somewhere, in cents: total = subtotal − discountTotal + shippingTotal + taxTotal. */
export interface Quote {
  subtotal: number;
  discountTotal: number;
  shippingTotal: number;
  taxTotal: number;
  total: number;
  lines: QuotedLine[];
  taxLines: TaxLine[];
  shipping: ShippingQuote | null;
  estimate: DeliveryEstimate | null;
  coupon: CouponOutcome | null;
}

/**
 * Prices lines as issue 10 says, the one implementation behind both the cart's quote and the
 * order's charge: line totals (DESIGN.md), the coupon's discount spread over its eligible lines,
 * shipping by zone, method and chargeable weight (free STANDARD on DOMESTIC from 10000 after
 * discounts, or with FREE_SHIPPING), tax per line on its amount after the coupon share and on
 * shipping, each half-up, and the delivery estimate. A coupon that does not apply is reported in
 * `coupon.problem` and changes nothing.
 * @throws RangeError for malformed amounts or a rate missing from the table.
 */
export function quote(input: QuoteInput): Quote {
  const { lines, destination, coupon, now } = input;
  const method = input.method ?? 'STANDARD';
  const priced = lines.map((l) => ({ line: l, lineTotalCents: lineTotal(l.unitPriceCents, l.quantity, l.discountBasisPoints) }));
  const subtotal = priced.reduce((s, p) => s + p.lineTotalCents, 0);
  const couponLines: CouponLine[] = priced.map((p) => ({
    productId: p.line.productId,
    categoryPath: p.line.categoryPath,
    lineTotalCents: p.lineTotalCents,
  }));

  const problem = coupon ? couponProblem(coupon, couponLines, now, input.couponUsage) : null;
  const applied = coupon && problem === null ? coupon : null;
  const discount = applied ? couponDiscount(applied, couponLines) : { total: 0, shares: new Map<number, number>() };

  let shipping: ShippingQuote | null = null;
  let estimate: DeliveryEstimate | null = null;
  if (destination) {
    const zone = zoneOf(destination.countryCode);
    const rate = rateFor(input.rates, zone, method);
    const kg = chargeableKg(lines);
    const fullPriceCents = shippingPrice(rate, kg);
    const free = freeShippingReason(zone, method, subtotal - discount.total, applied?.type === 'FREE_SHIPPING');
    shipping = { zone, method, chargeableKg: kg, fullPriceCents, priceCents: free ? 0 : fullPriceCents, free, rate };
    estimate = deliveryEstimate(lines, rate, now);
  }

  const taxLines: TaxLine[] = [];
  const quoted: QuotedLine[] = priced.map(({ line, lineTotalCents }) => {
    const discountCents = discount.shares.get(line.productId) ?? 0;
    const netCents = lineTotalCents - discountCents;
    let taxCents = 0;
    if (destination) {
      const rateBasisPoints = taxRate(destination, { kind: 'LINE', taxCategory: line.taxCategory });
      taxCents = taxOf(netCents, rateBasisPoints);
      taxLines.push({
        kind: 'LINE',
        productId: line.productId,
        jurisdiction: jurisdictionOf(destination),
        taxCategory: line.taxCategory,
        rateBasisPoints,
        taxableCents: netCents,
        taxCents,
      });
    }
    return {
      productId: line.productId,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      discountBasisPoints: line.discountBasisPoints,
      lineTotalCents,
      discountCents,
      netCents,
      taxCents,
    };
  });
  if (destination && shipping) {
    const rateBasisPoints = taxRate(destination, { kind: 'SHIPPING' });
    taxLines.push({
      kind: 'SHIPPING',
      productId: null,
      jurisdiction: jurisdictionOf(destination),
      taxCategory: 'STANDARD',
      rateBasisPoints,
      taxableCents: shipping.priceCents,
      taxCents: taxOf(shipping.priceCents, rateBasisPoints),
    });
  }

  const shippingTotal = shipping?.priceCents ?? 0;
  const taxTotal = taxLines.reduce((s, t) => s + t.taxCents, 0);
  return {
    subtotal,
    discountTotal: discount.total,
    shippingTotal,
    taxTotal,
    total: subtotal - discount.total + shippingTotal + taxTotal,
    lines: quoted,
    taxLines,
    shipping,
    estimate,
    coupon: coupon ? { code: coupon.code, applied: applied !== null, problem } : null,
  };
}

/** One shipping option for lines to a destination: its price and estimate, as {@link quote} would charge. */
export interface ShippingOption {
  method: ShippingMethod;
  shipping: ShippingQuote;
  estimate: DeliveryEstimate;
}

/** Every method's price and estimate for these lines and destination (with the coupon, if it applies). */
export function shippingOptions(input: Omit<QuoteInput, 'method'> & { destination: Destination }): ShippingOption[] {
  return (['STANDARD', 'EXPRESS'] as const).map((method) => {
    const q = quote({ ...input, method });
    return { method, shipping: q.shipping!, estimate: q.estimate! };
  });
}
