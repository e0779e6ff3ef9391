import fc from 'fast-check';
import { DEFAULT_SHIPPING_RATES, quote, type CouponTerms, type QuoteLine } from '../src/pricing/index';
import { reference } from './pricing-reference';

/**
 * The pricing module against a second, deliberately plain implementation of issue 10's rules
 * written from the issue text (Number arithmetic on magnitudes small enough to stay exact, its own
 * tables), over generated carts, destinations, methods and coupons.
 */

const CATEGORY_PATHS = [['groceries'], ['groceries', 'fruit'], ['beauty'], ['home-decoration'], ['furniture', 'sofas']];
const genLine = fc.record({
  quantity: fc.integer({ min: 1, max: 10 }),
  unitPriceCents: fc.integer({ min: 0, max: 100_000 }),
  discountBasisPoints: fc.integer({ min: 0, max: 5000 }),
  grams: fc.integer({ min: 0, max: 20_000 }),
  dims: fc.tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 })),
  handlingDays: fc.integer({ min: 1, max: 20 }),
  categoryPath: fc.constantFrom(...CATEGORY_PATHS),
});
const genLines = fc
  .uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 6 })
  .chain((ids) => fc.tuple(...ids.map((id) => genLine.map((l) => ({ ...l, productId: id, reduced: l.categoryPath[0] === 'groceries' })))));
// Half the carts have lines of equal totals, so the tie-break (lower product id first) is exercised.
const genCart = fc.oneof(
  genLines,
  genLines.map((ls) =>
    ls.map((l) => ({
      ...l,
      unitPriceCents: ls[0]!.unitPriceCents,
      quantity: ls[0]!.quantity,
      discountBasisPoints: ls[0]!.discountBasisPoints,
    })),
  ),
);
const genDestination = fc.constantFrom<[string, string | null]>(
  ['US', 'CA'],
  ['US', 'NY'],
  ['US', 'TX'],
  ['US', 'WA'],
  ['US', 'OR'],
  ['US', 'FL'],
  ['DE', null],
  ['FR', null],
  ['GB', null],
  ['IT', null],
  ['NO', null],
  ['CH', null],
  ['JP', null],
  ['CA', null],
  ['BR', null],
);
const genCoupon: fc.Arbitrary<CouponTerms | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    code: fc.constant('GEN'),
    type: fc.constantFrom('PERCENTAGE' as const, 'FIXED_AMOUNT' as const, 'FREE_SHIPPING' as const),
    value: fc.integer({ min: 1, max: 10_000 }),
    categories: fc.subarray(['groceries', 'fruit', 'beauty', 'furniture']),
    minSubtotalCents: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200_000 })),
    active: fc.constant(true),
  }),
);

test('quote() agrees with a plain reimplementation of the rules on generated carts', () => {
  fc.assert(
    fc.property(
      genCart,
      genDestination,
      fc.constantFrom('STANDARD' as const, 'EXPRESS' as const),
      genCoupon,
      (lines, [country, region], method, coupon) => {
        const input: QuoteLine[] = lines.map((l) => ({
          productId: l.productId,
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
          discountBasisPoints: l.discountBasisPoints,
          weightKg: l.grams / 1000,
          dimensions: { width: l.dims[0] / 100, height: l.dims[1] / 100, depth: l.dims[2] / 100 },
          handlingDays: l.handlingDays,
          taxCategory: l.reduced ? 'REDUCED' : 'STANDARD',
          categoryPath: l.categoryPath,
        }));
        const q = quote({
          lines: input,
          destination: { countryCode: country, region },
          method,
          rates: DEFAULT_SHIPPING_RATES,
          coupon,
          now: new Date('2026-12-01T10:00:00Z'),
        });
        const r = reference(lines, country, region, method, coupon);
        expect({
          subtotal: q.subtotal,
          discountTotal: q.discountTotal,
          shippingTotal: q.shippingTotal,
          taxTotal: q.taxTotal,
          total: q.total,
        }).toEqual({
          subtotal: r.subtotal,
          discountTotal: r.discountTotal,
          shippingTotal: r.shippingTotal,
          taxTotal: r.taxTotal,
          total: r.total,
        });
        expect(q.lines.map((l) => l.discountCents)).toEqual(r.shares);
        expect(q.lines.map((l) => l.taxCents)).toEqual(r.lineTax);
        expect(q.shipping?.chargeableKg).toBe(r.kg);
        expect([q.estimate?.minBusinessDays, q.estimate?.maxBusinessDays]).toEqual(r.days);
        // the shares add up exactly
        expect(q.lines.reduce((s, l) => s + l.discountCents, 0)).toBe(q.discountTotal);
      },
    ),
    { numRuns: 2000 },
  );
});
