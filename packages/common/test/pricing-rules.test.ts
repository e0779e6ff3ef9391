import {
  DEFAULT_SHIPPING_RATES,
  addBusinessDays,
  allocateLargestRemainder,
  chargeableKg,
  couponProblem,
  quote,
  shippingOptions,
  taxRate,
  zoneOf,
  type CouponTerms,
  type QuoteLine,
} from '../src/pricing/index';

// Tuesday 1 December 2026, 10:00 UTC.
const NOW = new Date('2026-12-01T10:00:00Z');
const box = { width: 10, height: 10, depth: 10 };

function line(productId: number, overrides: Partial<QuoteLine> = {}): QuoteLine {
  return {
    productId,
    quantity: 1,
    unitPriceCents: 1000,
    discountBasisPoints: 0,
    weightKg: 1,
    dimensions: box,
    handlingDays: 1,
    taxCategory: 'STANDARD',
    categoryPath: ['beauty'],
    ...overrides,
  };
}

function coupon(overrides: Partial<CouponTerms>): CouponTerms {
  return { code: 'X', type: 'PERCENTAGE', value: 1000, categories: [], minSubtotalCents: 0, active: true, ...overrides };
}

const SAVE5 = coupon({ code: 'SAVE5', type: 'FIXED_AMOUNT', value: 500, minSubtotalCents: 5000 });
const GROCERY15 = coupon({ code: 'GROCERY15', type: 'PERCENTAGE', value: 1500, categories: ['groceries'] });
const FREESHIP = coupon({ code: 'FREESHIP', type: 'FREE_SHIPPING', value: 0 });
const WELCOME10 = coupon({ code: 'WELCOME10', type: 'PERCENTAGE', value: 1000, perCustomerLimit: 1 });

describe('zones (issue 10): US domestic; EU-27, GB, CH, NO Europe; the rest international', () => {
  test.each([
    ['US', 'DOMESTIC'],
    ['us', 'DOMESTIC'],
    ['DE', 'EUROPE'],
    ['GR', 'EUROPE'],
    ['GB', 'EUROPE'],
    ['CH', 'EUROPE'],
    ['NO', 'EUROPE'],
    ['CA', 'INTERNATIONAL'],
    ['JP', 'INTERNATIONAL'],
    ['TR', 'INTERNATIONAL'],
  ])('%s → %s', (country, zone) => expect(zoneOf(country)).toBe(zone));
});

describe('chargeable kg = ceil(Σ quantity × max(weight, w×h×d / 5000))', () => {
  test('actual weight wins for a small box', () => expect(chargeableKg([line(1, { weightKg: 2, quantity: 3 })])).toBe(6));
  test('volumetric weight wins for a light big box: 50×40×30 cm = 12 kg', () =>
    expect(chargeableKg([line(1, { weightKg: 1, dimensions: { width: 50, height: 40, depth: 30 } })])).toBe(12));
  test('rounded up to the next kg', () => expect(chargeableKg([line(1, { weightKg: 0.3, quantity: 2 })])).toBe(1));
  test('no float error moves a boundary: 10 × 1.1 kg is 11 kg, not 12', () =>
    expect(chargeableKg([line(1, { weightKg: 1.1, quantity: 10, dimensions: { width: 1, height: 1, depth: 1 } })])).toBe(11));
  test('volumes with two decimals: 23.17 × 14.43 × 29.89 cm ≈ 1.9987 kg → 2', () =>
    expect(chargeableKg([line(1, { weightKg: 0.5, dimensions: { width: 23.17, height: 14.43, depth: 29.89 } })])).toBe(2));
  test('no lines: 0', () => expect(chargeableKg([])).toBe(0));
});

describe('business days skip Saturdays and Sundays', () => {
  test.each([
    ['2026-12-01T10:00:00Z', 5, '2026-12-08'], // Tuesday + 5
    ['2026-12-04T10:00:00Z', 1, '2026-12-07'], // Friday + 1 → Monday
    ['2026-12-05T10:00:00Z', 1, '2026-12-07'], // Saturday + 1 → Monday
    ['2026-12-01T10:00:00Z', 0, '2026-12-01'],
  ])('%s + %i → %s', (from, days, expected) => expect(addBusinessDays(new Date(from), days)).toBe(expected));
});

describe('tax rates in basis points (issue 10)', () => {
  const line = (taxCategory: 'STANDARD' | 'REDUCED') => ({ kind: 'LINE' as const, taxCategory });
  const shipping = { kind: 'SHIPPING' as const };
  test.each([
    [{ countryCode: 'US', region: 'CA' }, line('STANDARD'), 725],
    [{ countryCode: 'US', region: 'NY' }, line('STANDARD'), 400],
    [{ countryCode: 'US', region: 'TX' }, line('STANDARD'), 625],
    [{ countryCode: 'US', region: 'WA' }, line('STANDARD'), 650],
    [{ countryCode: 'US', region: 'OR' }, line('STANDARD'), 0],
    [{ countryCode: 'US', region: 'CA' }, line('REDUCED'), 0],
    [{ countryCode: 'US', region: 'CA' }, shipping, 0],
    [{ countryCode: 'DE' }, line('STANDARD'), 1900],
    [{ countryCode: 'DE' }, line('REDUCED'), 700],
    [{ countryCode: 'DE' }, shipping, 1900],
    [{ countryCode: 'FR' }, line('REDUCED'), 550],
    [{ countryCode: 'GB' }, line('REDUCED'), 0],
    [{ countryCode: 'GB' }, shipping, 2000],
    [{ countryCode: 'IT' }, line('STANDARD'), 2000],
    [{ countryCode: 'NO' }, line('REDUCED'), 1000],
    [{ countryCode: 'JP' }, line('STANDARD'), 0],
    [{ countryCode: 'JP' }, shipping, 0],
  ])('%o %o → %i', (destination, taxable, bp) => expect(taxRate(destination, taxable)).toBe(bp));
});

describe('largest-remainder allocation', () => {
  test('equal weights: the extra cent goes to the lowest product id', () => {
    const shares = allocateLargestRemainder(100, [
      { id: 3, weight: 1 },
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ 1: 34, 2: 33, 3: 33 });
  });
  test('the largest remainder gets the cent left', () => {
    const shares = allocateLargestRemainder(10, [
      { id: 1, weight: 3333 },
      { id: 2, weight: 3333 },
      { id: 3, weight: 3334 },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ 1: 3, 2: 3, 3: 4 });
  });
  test('zero weights take nothing; a positive total over zero weights is refused', () => {
    expect(Object.fromEntries(allocateLargestRemainder(0, [{ id: 1, weight: 0 }]))).toEqual({ 1: 0 });
    expect(() => allocateLargestRemainder(1, [{ id: 1, weight: 0 }])).toThrow(RangeError);
  });
});

describe('coupon conditions', () => {
  const lines = [{ productId: 1, categoryPath: ['groceries'], lineTotalCents: 4000 }];
  test('valid', () => expect(couponProblem(GROCERY15, lines, NOW)).toBeNull());
  test('disabled, not yet valid and past validUntil are EXPIRED', () => {
    expect(couponProblem({ ...GROCERY15, active: false }, lines, NOW)).toBe('COUPON_EXPIRED');
    expect(couponProblem({ ...GROCERY15, validFrom: new Date('2026-12-02T00:00:00Z') }, lines, NOW)).toBe('COUPON_EXPIRED');
    expect(couponProblem({ ...GROCERY15, validUntil: new Date('2026-11-30T00:00:00Z') }, lines, NOW)).toBe('COUPON_EXPIRED');
  });
  test('no line in its categories (subtree by path): NOT_ELIGIBLE', () => {
    expect(couponProblem(GROCERY15, [{ ...lines[0]!, categoryPath: ['beauty'] }], NOW)).toBe('COUPON_NOT_ELIGIBLE');
    expect(couponProblem(GROCERY15, [{ ...lines[0]!, categoryPath: ['groceries', 'fruit'] }], NOW)).toBeNull();
  });
  test('below minSubtotal: MIN_SUBTOTAL (4999 < 5000)', () => {
    expect(couponProblem(SAVE5, [{ ...lines[0]!, lineTotalCents: 4999 }], NOW)).toBe('COUPON_MIN_SUBTOTAL');
    expect(couponProblem(SAVE5, [{ ...lines[0]!, lineTotalCents: 5000 }], NOW)).toBeNull();
  });
  test('limits reached: USAGE_LIMIT', () => {
    expect(couponProblem(WELCOME10, lines, NOW, { redeemed: 40, redeemedByCustomer: 1 })).toBe('COUPON_USAGE_LIMIT');
    expect(couponProblem(WELCOME10, lines, NOW, { redeemed: 40, redeemedByCustomer: 0 })).toBeNull();
    expect(couponProblem({ ...GROCERY15, usageLimit: 10 }, lines, NOW, { redeemed: 10, redeemedByCustomer: 0 })).toBe('COUPON_USAGE_LIMIT');
  });
});

describe('quote: hand-computed orders', () => {
  test('US-CA STANDARD with SAVE5: 500 off spread 416/84, CA tax on the net, groceries untaxed', () => {
    const q = quote({
      lines: [
        line(1, { unitPriceCents: 2999, quantity: 2, weightKg: 1.5, handlingDays: 3 }),
        line(2, {
          unitPriceCents: 450,
          quantity: 3,
          discountBasisPoints: 1000,
          weightKg: 0.5,
          taxCategory: 'REDUCED',
          categoryPath: ['groceries'],
        }),
      ],
      destination: { countryCode: 'US', region: 'CA' },
      method: 'STANDARD',
      rates: DEFAULT_SHIPPING_RATES,
      coupon: SAVE5,
      now: NOW,
    });
    // subtotal 5998 + 1215 = 7213; 500 × 5998/7213 = 415.78, × 1215/7213 = 84.22 → 415 + 84, the cent left to line 1.
    expect(q.lines.map((l) => [l.lineTotalCents, l.discountCents, l.netCents, l.taxCents])).toEqual([
      [5998, 416, 5582, 405], // 5582 × 7.25 % = 404.695 → 405
      [1215, 84, 1131, 0],
    ]);
    // 2 × 1.5 + 3 × 0.5 = 4.5 → 5 kg: 499 + 5 × 100; 6713 after discounts < 10000, so charged; US shipping untaxed.
    expect(q.shipping).toMatchObject({ zone: 'DOMESTIC', chargeableKg: 5, fullPriceCents: 999, priceCents: 999, free: null });
    expect(q.taxLines.find((t) => t.kind === 'SHIPPING')).toMatchObject({ jurisdiction: 'US-CA', rateBasisPoints: 0, taxCents: 0 });
    expect(q).toMatchObject({ subtotal: 7213, discountTotal: 500, shippingTotal: 999, taxTotal: 405, total: 8117 });
    // handling 3 + transit 3..5 business days from Tuesday 1 December.
    expect(q.estimate).toEqual({ minBusinessDays: 6, maxBusinessDays: 8, earliest: '2026-12-09', latest: '2026-12-11' });
    expect(q.coupon).toEqual({ code: 'SAVE5', applied: true, problem: null });
  });

  test('DE EXPRESS with GROCERY15: only the grocery line is discounted; shipping taxed at 19 %', () => {
    const q = quote({
      lines: [
        line(7, { unitPriceCents: 1000, weightKg: 1, taxCategory: 'REDUCED', categoryPath: ['groceries'] }),
        line(3, { unitPriceCents: 2000, weightKg: 2 }),
      ],
      destination: { countryCode: 'DE' },
      method: 'EXPRESS',
      rates: DEFAULT_SHIPPING_RATES,
      coupon: GROCERY15,
      now: NOW,
    });
    expect(q.lines.map((l) => [l.productId, l.discountCents, l.taxCents])).toEqual([
      [7, 150, 60], // 850 × 7 % = 59.5 → 60 (half-up)
      [3, 0, 380],
    ]);
    // 3 kg: 2999 + 3 × 400 = 4199; × 19 % = 797.81 → 798
    expect(q).toMatchObject({ subtotal: 3000, discountTotal: 150, shippingTotal: 4199, taxTotal: 1238, total: 8287 });
    expect(q.estimate).toMatchObject({ minBusinessDays: 3, maxBusinessDays: 5 });
  });

  test('FREESHIP makes STANDARD free in any zone, not EXPRESS', () => {
    const input = { lines: [line(1)], destination: { countryCode: 'FR' }, rates: DEFAULT_SHIPPING_RATES, coupon: FREESHIP, now: NOW };
    expect(quote({ ...input, method: 'STANDARD' })).toMatchObject({ shippingTotal: 0, discountTotal: 0, taxTotal: 200, total: 1200 });
    expect(quote({ ...input, method: 'STANDARD' }).shipping).toMatchObject({ fullPriceCents: 1199, free: 'COUPON' });
    // 2999 + 400 = 3399, taxed 20 % = 679.8 → 680
    expect(quote({ ...input, method: 'EXPRESS' })).toMatchObject({ shippingTotal: 3399, taxTotal: 880, total: 5279 });
  });

  test('domestic STANDARD is free from 10000 after discounts: WELCOME10 on 10500 brings it under', () => {
    const input = {
      lines: [line(1, { unitPriceCents: 10_500 })],
      destination: { countryCode: 'US', region: 'OR' },
      rates: DEFAULT_SHIPPING_RATES,
      now: NOW,
    };
    expect(quote(input)).toMatchObject({ shippingTotal: 0, total: 10_500 });
    expect(quote(input).shipping?.free).toBe('THRESHOLD');
    expect(quote({ ...input, coupon: WELCOME10 })).toMatchObject({ discountTotal: 1050, shippingTotal: 599, total: 10_049 });
    expect(quote({ ...input, method: 'EXPRESS' })).toMatchObject({ shippingTotal: 1699 });
  });

  test('a coupon that does not apply changes nothing and says why', () => {
    const q = quote({ lines: [line(1)], destination: { countryCode: 'JP' }, rates: DEFAULT_SHIPPING_RATES, coupon: SAVE5, now: NOW });
    expect(q.coupon).toEqual({ code: 'SAVE5', applied: false, problem: 'COUPON_MIN_SUBTOTAL' });
    // JP: international STANDARD 1499 + 300, untaxed.
    expect(q).toMatchObject({ discountTotal: 0, shippingTotal: 1799, taxTotal: 0, total: 2799 });
  });

  test('FIXED_AMOUNT is capped at the eligible subtotal', () => {
    const q = quote({
      lines: [line(1, { unitPriceCents: 300 })],
      rates: DEFAULT_SHIPPING_RATES,
      coupon: coupon({ type: 'FIXED_AMOUNT', value: 500 }),
      now: NOW,
    });
    expect(q).toMatchObject({ subtotal: 300, discountTotal: 300, total: 0, shipping: null, taxLines: [] });
  });

  test('shipping options: both methods priced as the quote charges them', () => {
    const options = shippingOptions({
      lines: [line(1, { weightKg: 2.2 })],
      destination: { countryCode: 'GB' },
      rates: DEFAULT_SHIPPING_RATES,
      now: NOW,
    });
    expect(options.map((o) => [o.method, o.shipping.priceCents, o.estimate.minBusinessDays, o.estimate.maxBusinessDays])).toEqual([
      ['STANDARD', 999 + 3 * 200, 6, 11],
      ['EXPRESS', 2999 + 3 * 400, 3, 5],
    ]);
  });
});
