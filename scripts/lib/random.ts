/**
 * Seeded random draws, the same on every run: generated test data, and the benchmarks' varied
 * loads (which product, search term or category a simulated shopper asks for next). Real catalog traffic is heavily skewed (a few items get most
 * views), which a Zipf distribution models: the item of popularity rank k is drawn with probability
 * proportional to 1 / k^s. No well-kept Zipf sampler exists on npm (the candidates are unmaintained),
 * so this is the textbook inverse-CDF method: cumulative weights once, a binary search per draw.
 */

/**
 * mulberry32 (Tommy Ettinger's public-domain 32-bit generator): a tiny seeded PRNG, so a run's
 * sequence of requests is the same on every run and for every gateway.
 * @returns a function giving floats uniformly in [0, 1)
 */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A sampler over `items`, the first being the most popular: item k (1-based rank) comes with
 * probability (1 / k^exponent) / Σ_j (1 / j^exponent). The default exponent 1 is the classic Zipf
 * law of web and catalog popularity (Breslau et al., "Web caching and Zipf-like distributions",
 * INFOCOM 1999, measured 0.64–0.83 for web requests; 1 is the usual benchmark choice).
 * @throws RangeError when `items` is empty or `exponent` is not positive
 */
export function zipfSampler<T>(items: readonly T[], random: () => number, exponent = 1): () => T {
  if (items.length === 0) throw new RangeError('a Zipf sampler needs at least one item');
  if (!(exponent > 0)) throw new RangeError(`the Zipf exponent must be positive, got ${exponent}`);
  const cumulative = new Float64Array(items.length);
  let total = 0;
  for (let k = 0; k < items.length; k++) {
    total += 1 / Math.pow(k + 1, exponent);
    cumulative[k] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return items[low]!;
  };
}

/** `items` in a seeded random order (Fisher–Yates), e.g. so the most popular products are not simply the lowest ids. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
