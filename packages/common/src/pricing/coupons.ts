import { allocateLargestRemainder, applyBasisPoints } from './rounding';
import type { CouponProblem, CouponTerms, CouponUsage, QuoteLine } from './types';

/** A line as a coupon sees it: its product, categories and line total (cents, after the catalog discount). */
export interface CouponLine {
  productId: number;
  categoryPath: QuoteLine['categoryPath'];
  lineTotalCents: number;
}

/** Whether a line is eligible: the coupon names no categories, or one of the line's category path. */
export const isEligible = (coupon: Pick<CouponTerms, 'categories'>, line: Pick<CouponLine, 'categoryPath'>): boolean =>
  coupon.categories.length === 0 || line.categoryPath.some((slug) => coupon.categories.includes(slug));

/**
 * Why `coupon` does not apply to these lines at `now`, or null when it does. Checked in this order:
 * disabled or outside validFrom..validUntil → COUPON_EXPIRED; no eligible line → COUPON_NOT_ELIGIBLE;
 * merchandise subtotal below minSubtotal → COUPON_MIN_SUBTOTAL; usageLimit or perCustomerLimit
 * reached (when `usage` is given) → COUPON_USAGE_LIMIT.
 */
export function couponProblem(
  coupon: CouponTerms,
  lines: readonly CouponLine[],
  now: Date,
  usage?: CouponUsage | null,
): CouponProblem | null {
  if (!coupon.active) return 'COUPON_EXPIRED';
  if (coupon.validFrom && now < coupon.validFrom) return 'COUPON_EXPIRED';
  if (coupon.validUntil && now > coupon.validUntil) return 'COUPON_EXPIRED';
  if (!lines.some((l) => isEligible(coupon, l))) return 'COUPON_NOT_ELIGIBLE';
  const subtotal = lines.reduce((s, l) => s + l.lineTotalCents, 0);
  if (subtotal < coupon.minSubtotalCents) return 'COUPON_MIN_SUBTOTAL';
  if (usage) {
    if (coupon.usageLimit != null && usage.redeemed >= coupon.usageLimit) return 'COUPON_USAGE_LIMIT';
    if (coupon.perCustomerLimit != null && usage.redeemedByCustomer >= coupon.perCustomerLimit) return 'COUPON_USAGE_LIMIT';
  }
  return null;
}

/**
 * The merchandise discount of an applicable coupon, spread over its eligible lines in proportion
 * to their totals by the largest-remainder method (ties: lower product id), so the shares add up
 * exactly. PERCENTAGE: half-up(eligible subtotal × bp / 10000); FIXED_AMOUNT: its cents, capped
 * at the eligible subtotal; FREE_SHIPPING: 0 (it acts on shipping).
 * @returns the share of each line (0 for ineligible ones), keyed by product id, and their sum.
 */
export function couponDiscount(coupon: CouponTerms, lines: readonly CouponLine[]): { total: number; shares: Map<number, number> } {
  const eligible = lines.filter((l) => isEligible(coupon, l));
  const eligibleSubtotal = eligible.reduce((s, l) => s + l.lineTotalCents, 0);
  const total =
    coupon.type === 'PERCENTAGE'
      ? applyBasisPoints(eligibleSubtotal, coupon.value)
      : coupon.type === 'FIXED_AMOUNT'
        ? Math.min(coupon.value, eligibleSubtotal)
        : 0;
  const shares = allocateLargestRemainder(
    total,
    eligible.map((l) => ({ id: l.productId, weight: l.lineTotalCents })),
  );
  for (const l of lines) if (!shares.has(l.productId)) shares.set(l.productId, 0);
  return { total, shares };
}
