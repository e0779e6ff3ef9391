import type { OrderDb } from './db';

/** The demo coupons of issue 10 (terms as `Coupon`: bp, cents). */
export const SEED_COUPONS = [
  { code: 'WELCOME10', type: 'PERCENTAGE', value: 1000, perCustomerLimit: 1 },
  { code: 'SAVE5', type: 'FIXED_AMOUNT', value: 500, minSubtotalCents: 5000 },
  { code: 'FREESHIP', type: 'FREE_SHIPPING', value: 0 },
  { code: 'GROCERY15', type: 'PERCENTAGE', value: 1500, categories: ['groceries'] },
] as const;

/** Inserts the demo coupons that are missing (idempotent). The rate table comes with the migration. */
export async function seedCoupons(db: OrderDb): Promise<{ coupons: number }> {
  const { count } = await db.coupon.createMany({
    data: SEED_COUPONS.map((c) => ({ ...c, categories: 'categories' in c ? [...c.categories] : [] })),
    skipDuplicates: true,
  });
  return { coupons: count };
}
