import { z } from 'zod';
import {
  ConflictError,
  CouponError,
  NotFoundError,
  couponProblem,
  parseInput,
  requireAdmin,
  type Caller,
  type CouponLine,
  type CouponTerms,
  type CouponUsage,
  isUniqueViolation,
} from '@commerce/common';
import type { CouponRecord, CouponType, OrderDb } from '../db';
import { recordCouponRedeemed } from './order-metrics';

/** A coupon's code as stored and compared: trimmed, upper case. */
export const normalizeCode = (code: string) => code.trim().toUpperCase();

const CODE = z
  .string()
  .trim()
  .transform((c) => c.toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9_-]{3,32}$/, 'must be 3..32 letters, digits, _ or -'));
const SLUG = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]{1,64}$/, 'must be a category slug');
const couponFields = {
  type: z.enum(['PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING']),
  value: z.number().int().min(0).max(100_000_000),
  categories: z.array(SLUG).max(50),
  minSubtotalCents: z.number().int().min(0).max(100_000_000),
  validFrom: z.coerce.date().nullable(),
  validUntil: z.coerce.date().nullable(),
  usageLimit: z.number().int().min(1).nullable(),
  perCustomerLimit: z.number().int().min(1).nullable(),
};
// GraphQL sends null for an optional field left out; null clears a nullable term on update.
const orNull = <T extends z.ZodType>(s: T) => s.nullish().transform((v) => v ?? null);
const createSchema = z
  .object({
    code: CODE,
    type: couponFields.type,
    value: couponFields.value,
    categories: couponFields.categories.nullish().transform((v) => v ?? []),
    minSubtotalCents: couponFields.minSubtotalCents.nullish().transform((v) => v ?? 0),
    validFrom: orNull(couponFields.validFrom),
    validUntil: orNull(couponFields.validUntil),
    usageLimit: orNull(couponFields.usageLimit),
    perCustomerLimit: orNull(couponFields.perCustomerLimit),
  })
  .superRefine(checkTerms);
const updateSchema = z.object({
  type: couponFields.type.nullish().transform((v) => v ?? undefined),
  value: couponFields.value.nullish().transform((v) => v ?? undefined),
  categories: couponFields.categories.nullish().transform((v) => v ?? undefined),
  minSubtotalCents: couponFields.minSubtotalCents.nullish().transform((v) => v ?? undefined),
  validFrom: couponFields.validFrom.optional(),
  validUntil: couponFields.validUntil.optional(),
  usageLimit: couponFields.usageLimit.optional(),
  perCustomerLimit: couponFields.perCustomerLimit.optional(),
});

/** Value ranges per type, and validFrom before validUntil. */
function checkTerms(c: { type?: CouponType; value?: number; validFrom?: Date | null; validUntil?: Date | null }, ctx: z.RefinementCtx) {
  if (c.type === 'PERCENTAGE' && (c.value === undefined || c.value < 1 || c.value > 10_000)) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'a PERCENTAGE coupon takes 1..10000 basis points' });
  }
  if (c.type === 'FIXED_AMOUNT' && (c.value === undefined || c.value < 1)) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'a FIXED_AMOUNT coupon takes at least 1 cent' });
  }
  if (c.validFrom && c.validUntil && c.validFrom >= c.validUntil) {
    ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'must be after validFrom' });
  }
}

export type CouponInput = z.input<typeof createSchema>;
export type CouponUpdate = z.input<typeof updateSchema>;

/** The terms the pricing module applies, from a stored coupon. */
export const termsOf = (c: CouponRecord): CouponTerms => ({
  code: c.code,
  type: c.type,
  value: c.value,
  categories: c.categories,
  minSubtotalCents: c.minSubtotalCents,
  validFrom: c.validFrom,
  validUntil: c.validUntil,
  usageLimit: c.usageLimit,
  perCustomerLimit: c.perCustomerLimit,
  active: c.active,
});

/** The terms an order keeps: those that price it (its conditions were checked at checkout). */
export const snapshotOf = (t: CouponTerms) => ({ code: t.code, type: t.type, value: t.value, categories: [...t.categories] });
export type CouponSnapshot = ReturnType<typeof snapshotOf>;
/** Terms to re-price an order with: its snapshot, always valid and without a minimum (checked at checkout). */
export const termsOfSnapshot = (s: CouponSnapshot): CouponTerms => ({ ...s, minSubtotalCents: 0, active: true });

/** The redemption step found the coupon's limits reached. */
class LimitReached extends Error {}

/**
 * Coupons (issue 10): admin management, the coupon applied to a cart, and redemptions.
 * Redemptions never exceed a limit, also under concurrency: taking one is a conditional UPDATE of
 * the coupon's `redeemedCount` (`< usageLimit`), which also row-locks the coupon, so the
 * per-customer count read after it in the same transaction cannot race another redemption of it.
 */
export class CouponService {
  constructor(private readonly db: OrderDb) {}

  /** ADMIN: every coupon by code. @throws UnauthenticatedError / ForbiddenError for anyone but an admin. */
  list(caller: Caller): Promise<CouponRecord[]> {
    requireAdmin(caller);
    return this.db.coupon.findMany({ orderBy: { code: 'asc' } });
  }

  /**
   * ADMIN: a new coupon.
   * @throws UnauthenticatedError / ForbiddenError for anyone but an admin; BadUserInputError for invalid terms (field named);
   *   ConflictError when the code exists.
   */
  async create(caller: Caller, input: CouponInput): Promise<CouponRecord> {
    requireAdmin(caller);
    const data = parseInput(createSchema, input);
    try {
      return await this.db.coupon.create({ data });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Coupon ${data.code} exists`, { field: 'code' });
      throw err;
    }
  }

  /**
   * ADMIN: changes the given terms.
   * @throws UnauthenticatedError / ForbiddenError for anyone but an admin; NotFoundError for an unknown code;
   *   BadUserInputError for invalid terms.
   */
  async update(caller: Caller, code: string, input: CouponUpdate): Promise<CouponRecord> {
    requireAdmin(caller);
    const existing = await this.byCode(code);
    if (!existing) throw new NotFoundError('Coupon', normalizeCode(code));
    const changes = parseInput(updateSchema, input);
    parseInput(z.object({}).passthrough().superRefine(checkTerms), { ...termsOf(existing), ...changes });
    return this.db.coupon.update({ where: { id: existing.id }, data: changes });
  }

  /**
   * ADMIN: disables a coupon: it no longer applies (COUPON_EXPIRED); orders that hold it keep it.
   * @throws UnauthenticatedError / ForbiddenError for anyone but an admin; NotFoundError
   */
  async disable(caller: Caller, code: string): Promise<CouponRecord> {
    requireAdmin(caller);
    const existing = await this.byCode(code);
    if (!existing) throw new NotFoundError('Coupon', normalizeCode(code));
    return this.db.coupon.update({ where: { id: existing.id }, data: { active: false } });
  }

  byCode(code: string): Promise<CouponRecord | null> {
    return this.db.coupon.findUnique({ where: { code: normalizeCode(code) } });
  }

  /** The coupon applied to a cart, if any. */
  async appliedTo(cartId: string): Promise<CouponRecord | null> {
    return (await this.db.cartCoupon.findUnique({ where: { cartId }, include: { coupon: true } }))?.coupon ?? null;
  }

  /** Redemptions held of the coupon: by everyone (its counter) and by this customer. */
  async usage(coupon: CouponRecord, userId: number): Promise<CouponUsage> {
    const redeemedByCustomer =
      coupon.perCustomerLimit === null
        ? 0
        : await this.db.couponRedemption.count({ where: { couponId: coupon.id, userId, releasedAt: null } });
    return { redeemed: coupon.redeemedCount, redeemedByCustomer };
  }

  /**
   * Applies a coupon to a cart (replacing the one applied), when it applies to these lines now.
   * @throws CouponError with the reason it does not (COUPON_NOT_FOUND, _EXPIRED, _NOT_ELIGIBLE, _MIN_SUBTOTAL, _USAGE_LIMIT).
   */
  async apply(cartId: string, userId: number, code: string, lines: readonly CouponLine[], now: Date): Promise<CouponRecord> {
    const coupon = await this.byCode(code);
    if (!coupon) throw new CouponError('COUPON_NOT_FOUND', normalizeCode(code));
    const problem = couponProblem(termsOf(coupon), lines, now, await this.usage(coupon, userId));
    if (problem) throw new CouponError(problem, coupon.code);
    await this.db.cartCoupon.upsert({
      where: { cartId },
      create: { cartId, userId, couponId: coupon.id },
      update: { couponId: coupon.id, userId, appliedAt: now },
    });
    return coupon;
  }

  /** Removes the cart's coupon (none applied: nothing to do). */
  async remove(cartId: string): Promise<void> {
    await this.db.cartCoupon.deleteMany({ where: { cartId } });
  }

  /** After a confirmed checkout: the cart no longer carries the coupon the order used (idempotent). */
  async consume(cartId: string, code: string): Promise<void> {
    await this.db.cartCoupon.deleteMany({ where: { cartId, coupon: { code } } });
  }

  /**
   * Takes one redemption of `code` for the order, within usageLimit and perCustomerLimit.
   * Idempotent by order id: an order that holds one already gets true again.
   * @returns false when a limit is reached or the coupon is gone (nothing taken).
   */
  async redeem(orderId: string, code: string, userId: number): Promise<boolean> {
    let taken: CouponType | undefined;
    try {
      const redeemed = await this.db.$transaction(async (tx) => {
        taken = undefined;
        const held = await tx.couponRedemption.findUnique({ where: { orderId } });
        if (held) return held.releasedAt === null;
        const coupon = await tx.coupon.findUnique({ where: { code } });
        if (!coupon) return false;
        const updated = await tx.$executeRaw`
          UPDATE "Coupon" SET "redeemedCount" = "redeemedCount" + 1, "updatedAt" = now()
          WHERE "id" = ${coupon.id} AND ("usageLimit" IS NULL OR "redeemedCount" < "usageLimit")`;
        if (updated === 0) return false;
        if (coupon.perCustomerLimit !== null) {
          // The UPDATE holds the coupon's row lock until commit, so this count sees every other redemption of it.
          const mine = await tx.couponRedemption.count({ where: { couponId: coupon.id, userId, releasedAt: null } });
          if (mine >= coupon.perCustomerLimit) throw new LimitReached();
        }
        await tx.couponRedemption.create({ data: { orderId, couponId: coupon.id, userId } });
        taken = coupon.type;
        return true;
      });
      if (taken) recordCouponRedeemed(taken);
      return redeemed;
    } catch (err) {
      if (err instanceof LimitReached) return false;
      // A concurrent run of the same order's step took it first.
      if (isUniqueViolation(err)) return true;
      throw err;
    }
  }

  /** Gives the order's redemption back (FAILED or CANCELLED). Idempotent: a second call changes nothing. */
  async release(orderId: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const redemption = await tx.couponRedemption.findUnique({ where: { orderId } });
      if (!redemption || redemption.releasedAt) return;
      const { count } = await tx.couponRedemption.updateMany({ where: { orderId, releasedAt: null }, data: { releasedAt: new Date() } });
      if (count === 1) await tx.coupon.update({ where: { id: redemption.couponId }, data: { redeemedCount: { decrement: 1 } } });
    });
  }
}
