import type { QuoteLine, ShippingMethod, ShippingRate, ShippingZone } from './types';

/** The default rate table of issue 10 (cents; transit in business days). The order subgraph stores its own copy as data. */
export const DEFAULT_SHIPPING_RATES: readonly ShippingRate[] = [
  { zone: 'DOMESTIC', method: 'STANDARD', baseCents: 499, perKgCents: 100, transitMinDays: 3, transitMaxDays: 5 },
  { zone: 'DOMESTIC', method: 'EXPRESS', baseCents: 1499, perKgCents: 200, transitMinDays: 1, transitMaxDays: 2 },
  { zone: 'EUROPE', method: 'STANDARD', baseCents: 999, perKgCents: 200, transitMinDays: 5, transitMaxDays: 10 },
  { zone: 'EUROPE', method: 'EXPRESS', baseCents: 2999, perKgCents: 400, transitMinDays: 2, transitMaxDays: 4 },
  { zone: 'INTERNATIONAL', method: 'STANDARD', baseCents: 1499, perKgCents: 300, transitMinDays: 7, transitMaxDays: 21 },
  { zone: 'INTERNATIONAL', method: 'EXPRESS', baseCents: 4999, perKgCents: 600, transitMinDays: 3, transitMaxDays: 6 },
];

/** STANDARD shipping is free on DOMESTIC from this merchandise subtotal after discounts, in cents (issue 10). */
export const FREE_DOMESTIC_STANDARD_FROM_CENTS = 10_000;

/** Volumetric divisor: cm³ per kg (the carriers' 5000). */
export const VOLUMETRIC_DIVISOR = 5000;

// Exact arithmetic: weights to the gram and dimensions to 0.01 cm (DummyJSON's precision), then in
// units of 1/(5000 × 10^6) kg, where a volume of w·h·d (in 0.01 cm each) is a whole number.
const UNITS_PER_KG = BigInt(VOLUMETRIC_DIVISOR) * 1_000_000n;
const centi = (cm: number) => BigInt(Math.round(cm * 100));
const grams = (kg: number) => BigInt(Math.round(kg * 1000));

/**
 * Chargeable weight of the lines in whole kg: ceil(Σ quantity × max(weight, width×height×depth / 5000)),
 * weights in kg and dimensions in cm (rounded to the gram and to 0.01 cm first, so no float error
 * moves a boundary). 0 for no lines.
 */
export function chargeableKg(lines: readonly Pick<QuoteLine, 'quantity' | 'weightKg' | 'dimensions'>[]): number {
  let units = 0n;
  for (const l of lines) {
    const volumetric = centi(l.dimensions.width) * centi(l.dimensions.height) * centi(l.dimensions.depth);
    const actual = grams(l.weightKg) * (UNITS_PER_KG / 1000n);
    units += BigInt(l.quantity) * (volumetric > actual ? volumetric : actual);
  }
  return Number((units + UNITS_PER_KG - 1n) / UNITS_PER_KG);
}

/** The rate for `zone` and `method` in `rates`. @throws RangeError when the table lacks it. */
export function rateFor(rates: readonly ShippingRate[], zone: ShippingZone, method: ShippingMethod): ShippingRate {
  const rate = rates.find((r) => r.zone === zone && r.method === method);
  if (!rate) throw new RangeError(`no shipping rate for ${zone} ${method}`);
  return rate;
}

/** Full price of shipping `kg` chargeable kg at `rate`, in cents: base + perKg × kg. */
export const shippingPrice = (rate: Pick<ShippingRate, 'baseCents' | 'perKgCents'>, kg: number): number =>
  rate.baseCents + rate.perKgCents * kg;

/** Why a shipping price is 0: the domestic threshold, or a FREE_SHIPPING coupon. */
export type FreeShippingReason = 'THRESHOLD' | 'COUPON';

/**
 * Whether STANDARD is free: on DOMESTIC from {@link FREE_DOMESTIC_STANDARD_FROM_CENTS} after discounts,
 * in every zone with a FREE_SHIPPING coupon; EXPRESS never is.
 */
export function freeShippingReason(
  zone: ShippingZone,
  method: ShippingMethod,
  merchandiseAfterDiscountCents: number,
  freeShippingCoupon: boolean,
): FreeShippingReason | null {
  if (method !== 'STANDARD') return null;
  if (freeShippingCoupon) return 'COUPON';
  return zone === 'DOMESTIC' && merchandiseAfterDiscountCents >= FREE_DOMESTIC_STANDARD_FROM_CENTS ? 'THRESHOLD' : null;
}

/** A delivery estimate in business days (and, from a start date, as calendar dates). */
export interface DeliveryEstimate {
  minBusinessDays: number;
  maxBusinessDays: number;
  /** ISO 8601 dates (UTC), counting Monday–Friday only; public holidays are not known. */
  earliest: string;
  latest: string;
}

/** `from` plus `days` business days (Saturdays and Sundays skipped, UTC), as an ISO 8601 date. */
export function addBusinessDays(from: Date, days: number): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  for (let left = days; left > 0;) {
    d.setUTCDate(d.getUTCDate() + 1);
    const weekday = d.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

/**
 * Delivery estimate (issue 10): the longest handling time among the lines + the method's transit
 * days, in business days, and the dates that gives counted from `now`.
 */
export function deliveryEstimate(lines: readonly Pick<QuoteLine, 'handlingDays'>[], rate: ShippingRate, now: Date): DeliveryEstimate {
  const handling = lines.reduce((m, l) => Math.max(m, l.handlingDays), 0);
  const minBusinessDays = handling + rate.transitMinDays;
  const maxBusinessDays = handling + rate.transitMaxDays;
  return {
    minBusinessDays,
    maxBusinessDays,
    earliest: addBusinessDays(now, minBusinessDays),
    latest: addBusinessDays(now, maxBusinessDays),
  };
}
