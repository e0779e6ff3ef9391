import type { CouponTerms } from '../src/pricing/index';

/**
 * A second, deliberately plain implementation of issue 10's pricing rules, written from the issue
 * text (Number arithmetic on magnitudes small enough to stay exact, its own tables): the property
 * test and the end-to-end totals test compare the real implementation with it.
 */

const EU27 = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' ');
const RATES = {
  DOMESTIC: { STANDARD: [499, 100, 3, 5], EXPRESS: [1499, 200, 1, 2] },
  EUROPE: { STANDARD: [999, 200, 5, 10], EXPRESS: [2999, 400, 2, 4] },
  INTERNATIONAL: { STANDARD: [1499, 300, 7, 21], EXPRESS: [4999, 600, 3, 6] },
} as const;

const idiv = (a: number, b: number) => (a - (a % b)) / b; // exact floor for 0 ≤ a < 2^53
const halfUp = (n: number, d: number) => idiv(2 * n + d, 2 * d);

export interface GenLine {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
  grams: number;
  dims: [number, number, number]; // hundredths of a cm
  handlingDays: number;
  reduced: boolean;
  categoryPath: string[];
}

export function reference(
  lines: GenLine[],
  country: string,
  region: string | null,
  method: 'STANDARD' | 'EXPRESS',
  coupon: CouponTerms | null,
) {
  const zone = country === 'US' ? 'DOMESTIC' : [...EU27, 'GB', 'CH', 'NO'].includes(country) ? 'EUROPE' : 'INTERNATIONAL';
  const totals = lines.map((l) => halfUp(l.unitPriceCents * l.quantity * (10_000 - l.discountBasisPoints), 10_000));
  const subtotal = totals.reduce((a, b) => a + b, 0);

  // coupon
  const eligible = lines.map((l) => !coupon || coupon.categories.length === 0 || l.categoryPath.some((c) => coupon.categories.includes(c)));
  const applies = coupon !== null && eligible.some(Boolean) && subtotal >= coupon.minSubtotalCents;
  const eligibleSubtotal = totals.reduce((s, t, i) => (eligible[i] ? s + t : s), 0);
  let discount = 0;
  if (applies && coupon.type === 'PERCENTAGE') discount = halfUp(eligibleSubtotal * coupon.value, 10_000);
  if (applies && coupon.type === 'FIXED_AMOUNT') discount = Math.min(coupon.value, eligibleSubtotal);
  const shares = lines.map(() => 0);
  if (discount > 0) {
    const rows = lines
      .map((l, i) => ({ i, id: l.productId, exact: discount * totals[i]!, on: eligible[i] }))
      .filter((r) => r.on)
      .map((r) => ({ ...r, floor: idiv(r.exact, eligibleSubtotal), rest: r.exact % eligibleSubtotal }));
    rows.forEach((r) => (shares[r.i] = r.floor));
    let left = discount - rows.reduce((s, r) => s + r.floor, 0);
    rows.sort((a, b) => b.rest - a.rest || a.id - b.id);
    for (const r of rows) if (left-- > 0) shares[r.i]! += 1;
  }

  // shipping
  const [base, perKg, tMin, tMax] = RATES[zone][method];
  const units = lines.reduce((s, l) => s + l.quantity * Math.max(l.dims[0] * l.dims[1] * l.dims[2], l.grams * 5_000_000), 0);
  const kg = idiv(units, 5e9) + (units % 5e9 > 0 ? 1 : 0);
  const freeShip =
    method === 'STANDARD' && ((applies && coupon.type === 'FREE_SHIPPING') || (zone === 'DOMESTIC' && subtotal - discount >= 10_000));
  const shipping = freeShip ? 0 : base + perKg * kg;

  // tax
  const usState: Record<string, number> = { CA: 725, NY: 400, TX: 625, WA: 650 };
  const europe: Record<string, [number, number]> = { DE: [1900, 700], FR: [2000, 550], GB: [2000, 0] };
  const rateOf = (reduced: boolean | 'shipping') => {
    if (zone === 'INTERNATIONAL') return 0;
    if (zone === 'DOMESTIC') return reduced === false ? (usState[region ?? ''] ?? 0) : 0;
    const [std, red] = europe[country] ?? [2000, 1000];
    return reduced === true ? red : std;
  };
  const lineTax = lines.map((l, i) => halfUp((totals[i]! - shares[i]!) * rateOf(l.reduced), 10_000));
  const tax = lineTax.reduce((a, b) => a + b, 0) + halfUp(shipping * rateOf('shipping'), 10_000);
  const handling = Math.max(0, ...lines.map((l) => l.handlingDays));
  return {
    subtotal,
    discountTotal: discount,
    shippingTotal: shipping,
    taxTotal: tax,
    total: subtotal - discount + shipping + tax,
    shares,
    lineTax,
    kg,
    days: [handling + tMin, handling + tMax],
  };
}
