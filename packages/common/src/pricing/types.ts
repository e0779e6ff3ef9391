import type { CouponErrorCode } from '../errors';

/**
 * Shapes of the pricing rules (issue 10). Money is integer minor units (cents) of one currency,
 * rates are basis points (1 % = 100 bp), weights kg, dimensions cm, durations business days.
 */

/** Shipping zone of a destination country (issue 10, "Shipping rates"). */
export type ShippingZone = 'DOMESTIC' | 'EUROPE' | 'INTERNATIONAL';
export const SHIPPING_ZONES: readonly ShippingZone[] = ['DOMESTIC', 'EUROPE', 'INTERNATIONAL'];

export type ShippingMethod = 'STANDARD' | 'EXPRESS';
export const SHIPPING_METHODS: readonly ShippingMethod[] = ['STANDARD', 'EXPRESS'];

/** REDUCED for groceries (and their subtree), else STANDARD (product subgraph's `Product.taxCategory`). */
export type TaxCategory = 'STANDARD' | 'REDUCED';

/** A rate of the shipping table: price = baseCents + perKgCents × chargeable kg; transit in business days. */
export interface ShippingRate {
  zone: ShippingZone;
  method: ShippingMethod;
  baseCents: number;
  perKgCents: number;
  transitMinDays: number;
  transitMaxDays: number;
}

/** Package dimensions in cm. */
export interface Dimensions {
  width: number;
  height: number;
  depth: number;
}

/** A cart or order line with what pricing needs of its product. */
export interface QuoteLine {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  /** Catalog discount of the product, basis points (the line total follows DESIGN.md's core contract). */
  discountBasisPoints: number;
  /** Shipping weight of one unit, kg. */
  weightKg: number;
  /** Package dimensions of one unit, cm. */
  dimensions: Dimensions;
  /** Business days before dispatch. */
  handlingDays: number;
  taxCategory: TaxCategory;
  /** Slugs of the product's category and its ancestors (coupon eligibility by subtree). */
  categoryPath: readonly string[];
}

/** Where an order ships: ISO 3166-1 alpha-2 country (upper case) and, for the US, the state code. */
export interface Destination {
  countryCode: string;
  region?: string | null;
}

export type CouponType = 'PERCENTAGE' | 'FIXED_AMOUNT' | 'FREE_SHIPPING';

/** The terms of a coupon (issue 10, "Coupons"). */
export interface CouponTerms {
  code: string;
  type: CouponType;
  /** PERCENTAGE: basis points; FIXED_AMOUNT: cents; FREE_SHIPPING: unused (0). */
  value: number;
  /** Eligible category slugs, each with its subtree; empty: every product. */
  categories: readonly string[];
  /** Least merchandise subtotal (before discounts), cents; 0: none. */
  minSubtotalCents: number;
  validFrom?: Date | null;
  validUntil?: Date | null;
  /** Redemptions in all; null: unlimited. */
  usageLimit?: number | null;
  /** Redemptions per customer; null: unlimited. */
  perCustomerLimit?: number | null;
  /** false once an admin disabled it. */
  active: boolean;
}

/** Redemptions held so far (orders not FAILED or CANCELLED): of everyone, and of this customer. */
export interface CouponUsage {
  redeemed: number;
  redeemedByCustomer: number;
}

/** Why a coupon does not apply, as `extensions.code` (see errors.ts). */
export type CouponProblem = CouponErrorCode;
