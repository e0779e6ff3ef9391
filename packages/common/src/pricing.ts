/**
 * Pricing rule of the supergraph (DESIGN.md, "Core public contract"), in integer minor units:
 *   line subtotal = unit price × quantity
 *   line total    = line subtotal × (1 − discount/100), rounded half-up to the cent
 *   subtotal      = Σ line totals;  total = subtotal (no tax or shipping yet)
 * Discounts are basis points (10.48 % = 1048) so no float ever touches money.
 */

/** Unit price (cents) × quantity, in cents. */
export function lineSubtotal(unitPriceCents: number, quantity: number): number {
  return unitPriceCents * quantity;
}

/**
 * Line total in cents after the discount, rounded half-up.
 * @throws RangeError when the amounts are not non-negative integers or the discount exceeds 100 %.
 */
export function lineTotal(unitPriceCents: number, quantity: number, discountBasisPoints: number): number {
  for (const [name, v] of [
    ['unitPriceCents', unitPriceCents],
    ['quantity', quantity],
    ['discountBasisPoints', discountBasisPoints],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  if (discountBasisPoints > 10_000) throw new RangeError(`discount above 100 %: ${discountBasisPoints} bp`);
  const numerator = BigInt(lineSubtotal(unitPriceCents, quantity)) * BigInt(10_000 - discountBasisPoints);
  // round(n / d) half-up for n ≥ 0 is floor((2n + d) / 2d)
  return Number((2n * numerator + 10_000n) / 20_000n);
}

/** Σ of line totals, in cents. */
export function orderSubtotal(lineTotals: readonly number[]): number {
  return lineTotals.reduce((sum, v) => sum + v, 0);
}

/** Basis points → percentage as shown to clients (1048 → 10.48). */
export function basisPointsToPercent(bp: number): number {
  return bp / 100;
}

/** Money as the API shows it: integer minor units and an ISO 4217 code. */
export interface Money {
  amount: number;
  currencyCode: string;
}

export const money = (amount: number, currencyCode = 'USD'): Money => ({ amount, currencyCode });
