import { z } from 'zod';
import { BadUserInputError, PG_INT_MAX, cursorCodec, cursorKeys } from '@commerce/common';
import type { OrderRecord, OrderStatus, Prisma } from '../db';

/** Sorts of an order listing; each breaks ties by id in the same direction, so every order has one place. */
export type OrderSort = 'CREATED_AT_DESC' | 'CREATED_AT_ASC' | 'TOTAL_DESC' | 'TOTAL_ASC';

/**
 * Which orders a listing holds. Totals in cents (inclusive); dates ISO 8601 with an offset
 * (createdAfter exclusive, createdBefore exclusive); status: any of the given.
 */
export interface OrderFilter {
  status?: readonly OrderStatus[] | null;
  customerEmail?: string | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
  minTotal?: number | null;
  maxTotal?: number | null;
}

/** The sort column of each sort and its direction; the cursor key schema admits only that column's values. */
const SORTS = {
  CREATED_AT_DESC: { column: 'createdAt', dir: 'desc', key: cursorKeys.timestamp() },
  CREATED_AT_ASC: { column: 'createdAt', dir: 'asc', key: cursorKeys.timestamp() },
  TOTAL_DESC: { column: 'totalCents', dir: 'desc', key: cursorKeys.int() },
  TOTAL_ASC: { column: 'totalCents', dir: 'asc', key: cursorKeys.int() },
} as const satisfies Record<OrderSort, { column: 'createdAt' | 'totalCents'; dir: 'asc' | 'desc'; key: z.ZodType<string | number> }>;

/** Position in a listing: its sort (`s`), the order's sort key (`k`: ISO date or cents) and its id. */
const orderCursor = cursorCodec(
  z
    .object({ s: z.enum(Object.keys(SORTS) as [OrderSort, ...OrderSort[]]), k: z.union([z.number(), z.string()]), id: cursorKeys.uuid() })
    .refine((c) => SORTS[c.s].key.safeParse(c.k).success, 'key does not fit its sort'),
);

/** The cursor of `order` in a listing sorted by `sort`. */
export function cursorOf(sort: OrderSort, order: Pick<OrderRecord, 'id' | 'createdAt' | 'totalCents'>): string {
  const k = SORTS[sort].column === 'createdAt' ? order.createdAt.toISOString() : order.totalCents;
  return orderCursor.encode({ s: sort, k, id: order.id });
}

/** Longest email compared (RFC 5321's 254), in characters. */
const MAX_EMAIL_LENGTH = 254;
const cents = z.number().int().min(0).max(PG_INT_MAX);
/** ISO 8601 with an offset, on a real calendar day (no 02-30). */
const date = z.iso.datetime({ offset: true }).refine((v) => {
  const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}, 'not a real date');

/** An email as the user subgraph stores it (NFKC, lower case), so the filter matches what checkout recorded. */
export const normalizeEmail = (email: string) => email.normalize('NFKC').trim().toLowerCase();

function parsed<T>(schema: z.ZodType<T>, value: unknown, field: string, message: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadUserInputError(message, { field });
  return result.data;
}

/**
 * The SQL condition of `filter` (and of the owner, for a user's own orders).
 * @throws BadUserInputError (`extensions.field` = `filter.<name>`) for a date that is not ISO 8601 with
 *   an offset, a negative or non-integer total, minTotal > maxTotal, createdAfter ≥ createdBefore,
 *   or an email longer than 254 characters.
 */
export function whereOf(filter: OrderFilter | null | undefined, userId?: number): Prisma.OrderWhereInput {
  const f = filter ?? {};
  const where: Prisma.OrderWhereInput = userId === undefined ? {} : { userId };
  if (f.status && f.status.length > 0) where.status = { in: [...f.status] };
  if (f.customerEmail != null) {
    if (f.customerEmail.length > MAX_EMAIL_LENGTH)
      throw new BadUserInputError('customerEmail is too long', { field: 'filter.customerEmail' });
    where.customerEmail = normalizeEmail(f.customerEmail);
  }
  const after =
    f.createdAfter != null ? new Date(parsed(date, f.createdAfter, 'filter.createdAfter', 'createdAfter must be ISO 8601')) : null;
  const before =
    f.createdBefore != null ? new Date(parsed(date, f.createdBefore, 'filter.createdBefore', 'createdBefore must be ISO 8601')) : null;
  if (after && before && after >= before)
    throw new BadUserInputError('createdAfter must be before createdBefore', { field: 'filter.createdAfter' });
  if (after || before) where.createdAt = { ...(after ? { gt: after } : {}), ...(before ? { lt: before } : {}) };
  const min = f.minTotal != null ? parsed(cents, f.minTotal, 'filter.minTotal', 'minTotal must be cents ≥ 0') : null;
  const max = f.maxTotal != null ? parsed(cents, f.maxTotal, 'filter.maxTotal', 'maxTotal must be cents ≥ 0') : null;
  if (min !== null && max !== null && min > max)
    throw new BadUserInputError('minTotal must not exceed maxTotal', { field: 'filter.minTotal' });
  if (min !== null || max !== null) where.totalCents = { ...(min !== null ? { gte: min } : {}), ...(max !== null ? { lte: max } : {}) };
  return where;
}

/** ORDER BY of `sort`: its column, then id, in the same direction. */
export function orderByOf(sort: OrderSort): Prisma.OrderOrderByWithRelationInput[] {
  const { column, dir } = SORTS[sort];
  return [{ [column]: dir }, { id: dir }];
}

/**
 * The keyset condition "after `cursor`" under `sort`: (key, id) past the cursor's in the sort's
 * direction. Stable when orders are added or change status meanwhile: no row is skipped or repeated.
 * @throws BadUserInputError ("Invalid cursor", field `after`) for a cursor this codec did not write
 *   or one of another sort.
 */
export function afterCursor(sort: OrderSort, cursor: string): Prisma.OrderWhereInput {
  const position = orderCursor.decode(cursor);
  if (position.s !== sort) throw new BadUserInputError('Invalid cursor', { field: 'after' });
  const { column, dir } = SORTS[sort];
  const key = column === 'createdAt' ? new Date(position.k) : position.k;
  const past = dir === 'desc' ? 'lt' : 'gt';
  return { OR: [{ [column]: { [past]: key } }, { [column]: key, id: { [past]: position.id } }] };
}
