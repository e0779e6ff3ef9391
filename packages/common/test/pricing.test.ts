import { lineTotal, orderSubtotal } from '../src/pricing';

describe('pricing rule (DESIGN.md): line total = unit × quantity × (1 − discount), half-up to the cent', () => {
  test.each([
    [999, 1, 1048, 894], // 894.3048
    [999, 2, 1048, 1789], // 1788.6096
    [100, 1, 50, 100], // 99.5 → 100: half rounds up
    [1, 1, 5000, 1], // 0.5 → 1
    [3, 1, 5000, 2], // 1.5 → 2
    [1999, 3, 0, 5997],
    [3699999, 99, 1961, 294468490], // 366299901 × 0.8039 = 294468490.41…, exact in integers
  ])('%i cents × %i at %i bp = %i', (unit, qty, bp, expected) => {
    expect(lineTotal(unit, qty, bp)).toBe(expected);
  });

  test('100 % off is free; more than 100 % or negative inputs are refused', () => {
    expect(lineTotal(999, 3, 10_000)).toBe(0);
    expect(() => lineTotal(999, 1, 10_001)).toThrow(RangeError);
    expect(() => lineTotal(-1, 1, 0)).toThrow(RangeError);
    expect(() => lineTotal(1, 1.5, 0)).toThrow(RangeError);
  });

  test('the subtotal is the sum of line totals', () => {
    expect(orderSubtotal([894, 1789, 0])).toBe(2683);
    expect(orderSubtotal([])).toBe(0);
  });
});
