import { seededRandom, shuffled, zipfSampler } from '../../scripts/lib/random';
import { parseCatalogSize } from '../../scripts/lib/bench-stack';

describe('zipfSampler', () => {
  const items = Array.from({ length: 10 }, (_, i) => i + 1);
  const harmonic = items.reduce((s, k) => s + 1 / k, 0);

  it('draws rank k with probability (1/k) / H_n', () => {
    const next = zipfSampler(items, seededRandom(7));
    const counts = new Map<number, number>();
    const draws = 200_000;
    for (let i = 0; i < draws; i++) {
      const item = next();
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    for (const k of items) expect((counts.get(k) ?? 0) / draws).toBeCloseTo(1 / k / harmonic, 2);
  });

  it('gives the same sequence for the same seed and another for another seed', () => {
    const run = (seed: number) => {
      const next = zipfSampler(items, seededRandom(seed));
      return Array.from({ length: 50 }, next);
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('refuses an empty population and a non-positive exponent', () => {
    expect(() => zipfSampler([], seededRandom(1))).toThrow(RangeError);
    expect(() => zipfSampler(items, seededRandom(1), 0)).toThrow(RangeError);
  });

  it('shuffles into a permutation of the items', () => {
    const order = shuffled(items, seededRandom(3));
    expect(order).not.toEqual(items);
    expect([...order].sort((a, b) => a - b)).toEqual(items);
  });
});

describe('parseCatalogSize (BENCH_CATALOG)', () => {
  it('defaults to the DummyJSON catalog', () => {
    expect(parseCatalogSize(undefined)).toEqual({ kind: 'dummyjson' });
    expect(parseCatalogSize('dummyjson')).toEqual({ kind: 'dummyjson' });
  });

  it('reads synthetic sizes, with 10 reviews per product unless given', () => {
    expect(parseCatalogSize('synthetic:100000')).toEqual({ kind: 'synthetic', products: 100_000, reviews: 1_000_000 });
    expect(parseCatalogSize('synthetic:500:20')).toEqual({ kind: 'synthetic', products: 500, reviews: 20 });
  });

  it('names the accepted forms for anything else', () => {
    for (const bad of ['synthetic', 'synthetic:0', 'synthetic:ten', '100000']) {
      expect(() => parseCatalogSize(bad)).toThrow(/dummyjson, synthetic:<products>/);
    }
  });
});
