import { z } from 'zod';
import { parseInput, requireAdmin, type Caller } from '@commerce/common';
import type { OrderDb, ShippingMethod, ShippingRateRecord, ShippingZone } from '../db';

const days = z.number().int().min(0).max(365);
const rateSchema = z
  .object({
    baseCents: z.number().int().min(0).max(1_000_000),
    perKgCents: z.number().int().min(0).max(1_000_000),
    transitMinDays: days,
    transitMaxDays: days,
  })
  .refine((r) => r.transitMinDays <= r.transitMaxDays, { path: ['transitMaxDays'], message: 'must be at least transitMinDays' });
export type ShippingRateInput = z.input<typeof rateSchema>;

/** The shipping rate table (data the order subgraph owns; its migration seeds the default table). */
export class ShippingRates {
  constructor(private readonly db: OrderDb) {}

  /** Every rate, one statement. */
  async list(): Promise<ShippingRateRecord[]> {
    return this.db.shippingRate.findMany({ orderBy: [{ zone: 'asc' }, { method: 'asc' }] });
  }

  /**
   * ADMIN: replaces one rate.
   * @throws UnauthenticatedError / ForbiddenError for anyone but an admin; BadUserInputError naming the field for an
   *   amount or days out of range.
   */
  async update(caller: Caller, zone: ShippingZone, method: ShippingMethod, input: ShippingRateInput): Promise<ShippingRateRecord> {
    requireAdmin(caller);
    const data = parseInput(rateSchema, input);
    return this.db.shippingRate.upsert({ where: { zone_method: { zone, method } }, create: { zone, method, ...data }, update: data });
  }
}
