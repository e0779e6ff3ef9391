/**
 * Multiplies a non-negative number by 10^places and rounds half-up, working on the number's
 * shortest decimal text (what `String(value)` prints) rather than on binary floats:
 * `1.005 * 100` is 100.49999999999999 in floating point, but the source data means 1.005.
 */
function scaleHalfUp(value: number, places: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name}: expected a finite, non-negative number, got ${String(value)}`);
  }
  // String() of a finite non-negative number is always `digits[.digits][e±digits]`.
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(value));
  if (!match) throw new RangeError(`${name}: cannot read ${String(value)} as a decimal`);
  const [, whole = '', fraction = '', exponent = '0'] = match;
  const digits = BigInt(whole + fraction);
  const shift = Number(exponent) - fraction.length + places;
  let scaled: bigint;
  if (shift >= 0) {
    scaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    scaled = digits / divisor;
    if ((digits % divisor) * 2n >= divisor) scaled += 1n;
  }
  const result = Number(scaled);
  if (!Number.isSafeInteger(result)) {
    throw new RangeError(`${name}: ${String(value)} is too large to represent exactly`);
  }
  return result;
}

/**
 * Converts a dollar amount to integer cents, rounding half-up on the decimal value as written
 * (9.99 → 999, 1.005 → 101, 0.79 → 79).
 *
 * @param value - amount in dollars (float, e.g. DummyJSON `price`)
 * @returns amount in cents (integer)
 * @throws RangeError if `value` is negative, NaN, infinite, or the result exceeds
 *   `Number.MAX_SAFE_INTEGER`
 */
export function dollarsToCents(value: number): number {
  return scaleHalfUp(value, 2, 'dollarsToCents');
}

/**
 * Converts a percentage to integer basis points (1% = 100 bp), rounding half-up on the decimal
 * value as written (10.48 → 1048, 7 → 700, 12.345 → 1235).
 *
 * @param value - percentage (float, e.g. DummyJSON `discountPercentage`)
 * @returns basis points (integer)
 * @throws RangeError if `value` is negative, NaN, infinite, or the result exceeds
 *   `Number.MAX_SAFE_INTEGER`
 */
export function percentToBasisPoints(value: number): number {
  return scaleHalfUp(value, 2, 'percentToBasisPoints');
}
