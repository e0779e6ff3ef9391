import fc from 'fast-check';
import type { TaxLine } from '@commerce/common';
import { returnRefund, type ChargedLine } from '../src/services/returns/refund-amounts';

const shippingTax = (cents: number): TaxLine => ({
  kind: 'SHIPPING',
  productId: null,
  jurisdiction: 'US-CA',
  taxCategory: 'STANDARD',
  rateBasisPoints: 725,
  taxableCents: 0,
  taxCents: cents,
});

test('1 of 3 units: a third of the net line and a third of its tax, half-up; no shipping', () => {
  const items: ChargedLine[] = [
    { productId: 1, quantity: 3, lineTotalCents: 10_000, discountCents: 1_000, taxCents: 653 },
    { productId: 2, quantity: 1, lineTotalCents: 500, discountCents: 50, taxCents: 33 },
  ];
  const r = returnRefund(items, [shippingTax(72)], 995, new Map(), [{ productId: 1, quantity: 1 }]);
  expect(r).toEqual({ lines: [{ productId: 1, quantity: 1, amountCents: 3_000, taxCents: 218 }], shippingCents: 0, totalCents: 3_218 });
});

test('the last return of an order refunds shipping and its tax', () => {
  const items: ChargedLine[] = [{ productId: 1, quantity: 2, lineTotalCents: 101, discountCents: 0, taxCents: 7 }];
  const r = returnRefund(items, [shippingTax(72)], 995, new Map([[1, 1]]), [{ productId: 1, quantity: 1 }]);
  // half-up(101 × 1/2) = 51 went first; 50 are left. Tax: 4 first, 3 left.
  expect(r).toEqual({ lines: [{ productId: 1, quantity: 1, amountCents: 50, taxCents: 3 }], shippingCents: 1_067, totalCents: 1_120 });
});

test('returning every unit in any split refunds exactly what the order charged', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          quantity: fc.integer({ min: 1, max: 9 }),
          lineTotalCents: fc.integer({ min: 0, max: 1_000_000 }),
          discountShare: fc.double({ min: 0, max: 1, noNaN: true }),
          taxCents: fc.integer({ min: 0, max: 100_000 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      fc.integer({ min: 0, max: 5_000 }),
      fc.integer({ min: 0, max: 500 }),
      fc.integer({ min: 1, max: 1_000 }),
      (raw, shipping, shipTax, seed) => {
        const items = raw.map((l, i) => ({
          productId: i + 1,
          quantity: l.quantity,
          lineTotalCents: l.lineTotalCents,
          discountCents: Math.floor(l.lineTotalCents * l.discountShare),
          taxCents: l.taxCents,
        }));
        const charged = items.reduce((s, i) => s + i.lineTotalCents - i.discountCents + i.taxCents, 0) + shipping + shipTax;
        const returned = new Map<number, number>();
        let refunded = 0;
        let step = seed;
        // One unit or more at a time, in a seeded order, until every unit is back.
        while (items.some((i) => (returned.get(i.productId) ?? 0) < i.quantity)) {
          const open = items.filter((i) => (returned.get(i.productId) ?? 0) < i.quantity);
          const item = open[step % open.length]!;
          const left = item.quantity - (returned.get(item.productId) ?? 0);
          const quantity = 1 + (step % left);
          const r = returnRefund(items, [shippingTax(shipTax)], shipping, returned, [{ productId: item.productId, quantity }]);
          expect(r.lines.every((l) => l.amountCents >= 0 && l.taxCents >= 0)).toBe(true);
          refunded += r.totalCents;
          returned.set(item.productId, (returned.get(item.productId) ?? 0) + quantity);
          step = (step * 7 + 3) % 1_000;
        }
        expect(refunded).toBe(charged);
      },
    ),
  );
});

test('more units than the order has left, or a product it does not have, is a RangeError', () => {
  const items: ChargedLine[] = [{ productId: 1, quantity: 2, lineTotalCents: 100, discountCents: 0, taxCents: 0 }];
  expect(() => returnRefund(items, [], 0, new Map([[1, 2]]), [{ productId: 1, quantity: 1 }])).toThrow(RangeError);
  expect(() => returnRefund(items, [], 0, new Map(), [{ productId: 9, quantity: 1 }])).toThrow(RangeError);
});
