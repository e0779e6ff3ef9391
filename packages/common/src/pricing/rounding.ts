/** Integer arithmetic shared by the pricing rules; BigInt where products of cents could pass 2^53. */

/** round(numerator / denominator) half-up, for numerator ≥ 0 and denominator > 0: floor((2n + d) / 2d). */
export function divideHalfUp(numerator: bigint, denominator: bigint): number {
  return Number((2n * numerator + denominator) / (2n * denominator));
}

/** amount × basisPoints / 10000, rounded half-up to the cent. */
export function applyBasisPoints(amountCents: number, basisPoints: number): number {
  return divideHalfUp(BigInt(amountCents) * BigInt(basisPoints), 10_000n);
}

/**
 * Splits `total` cents over `weights` in proportion (largest-remainder method): each share is
 * floored, then the cents left go one at a time to the largest remainders, ties to the lower
 * `id`; the shares add up to `total` exactly. Every weight 0: every share 0.
 * @returns shares keyed by id.
 * @throws RangeError when the weights are all 0 but `total` is not.
 */
export function allocateLargestRemainder(total: number, weights: readonly { id: number; weight: number }[]): Map<number, number> {
  const sum = weights.reduce((s, w) => s + BigInt(w.weight), 0n);
  const shares = new Map<number, number>(weights.map((w) => [w.id, 0]));
  if (sum === 0n) {
    if (total !== 0) throw new RangeError(`cannot spread ${total} cents over zero weights`);
    return shares;
  }
  const parts = weights.map((w) => {
    const exact = BigInt(total) * BigInt(w.weight);
    return { id: w.id, floor: exact / sum, remainder: exact % sum };
  });
  let left = BigInt(total) - parts.reduce((s, p) => s + p.floor, 0n);
  const byRemainder = [...parts].sort((a, b) => (a.remainder === b.remainder ? a.id - b.id : a.remainder > b.remainder ? -1 : 1));
  for (const p of byRemainder) {
    shares.set(p.id, Number(p.floor) + (left > 0n ? 1 : 0));
    if (left > 0n) left--;
  }
  return shares;
}
