import { BadUserInputError, SQL_NOW_UTC, isUniqueViolation, requireService, type Caller } from '@commerce/common';
import { Prisma, type ProductDb } from '../db';
import { returnWindowDays } from './fulfilment-terms';
import type { StockEventPublisher, StockLevel } from './stock-events';

/** A line to reserve: product id and quantity (1..999). */
export interface StockLine {
  productId: number;
  quantity: number;
}

/** A reserved line, priced from the product at the moment of reservation (cents, basis points). */
export interface ReservedLine {
  productId: number;
  title: string;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
  currencyCode: string;
  /** Return window of the product when reserved, in calendar days; null: not returnable. */
  returnWindowDays: number | null;
}

export type ReservationResult =
  { ok: true; lines: ReservedLine[] } | { ok: false; failureReason: 'OUT_OF_STOCK' | 'NOT_FOUND'; failedProductIds: number[] };

const NOW = Prisma.raw(SQL_NOW_UTC);

/**
 * One line of {@link takeStock}'s answer, per line asked for. The product columns are those of
 * the decremented row (null when nothing was taken); `known` and `available` are read from the
 * locked row (`known`: the product exists and is not archived; `available`: it also has the stock).
 */
type TakenLine = {
  productId: number;
  stock: number | null;
  title: string | null;
  priceCents: number | null;
  discountBasisPoints: number | null;
  currencyCode: string | null;
  returnPolicy: string | null;
  taken: boolean;
  known: boolean;
  available: boolean;
  /** The order had a committed reservation before this statement: it changed nothing. */
  reservedBefore: boolean;
};

/**
 * Reserves `lines` for `orderId` in ONE statement (data-modifying CTEs, autocommitted): it takes
 * every line's quantity off its product's stock and writes the StockReservation, one RESERVATION
 * StockMovement and one StockReservationLine per line, or writes nothing at all. One round trip
 * instead of the interactive transaction's six (BEGIN, four statements, COMMIT), all the while
 * holding the locks of the products, the hottest rows of a checkout burst.
 *
 * - Idempotent: when the order already has a committed reservation (`prior`) the statement locks
 *   and writes nothing and says so (`reservedBefore`). A concurrent call for the same order (same
 *   lines) that succeeds holds the same product locks, so this one waits until it has committed;
 *   then either the stock is short (the caller reads the winner's reservation) or this statement's
 *   reservation insert fails on the primary key, a unique violation that aborts all of it. Only a
 *   concurrent call for the same order with other, disjoint products, short itself, can answer
 *   OUT_OF_STOCK without waiting for the first to commit (the transaction's reservation insert
 *   used to wait); no checkout sends that, and stock and reservations stay right either way.
 * - No deadlock: `locked` locks the rows in product-id order (LockRows runs above the sort) before
 *   anything is written, and every write comes after it: `verdict` is an aggregate of all of
 *   `locked`, and the UPDATE and the reservation insert are gated on it (one-time filters).
 * - No oversell: in READ COMMITTED a row locked `FOR UPDATE` is returned in its latest committed
 *   version (after waiting for a transaction that held it), so `verdict` judges each line on the
 *   stock as it is now, and nobody can change those rows until this statement commits. The UPDATE
 *   keeps `stock >= quantity AND archivedAt IS NULL` as a backstop: where its snapshot holds an
 *   older version PostgreSQL re-checks the condition on the newest one (the one locked), and the
 *   `stock >= 0` CHECK constraint is the last line.
 * - All-or-nothing without a rollback: nothing is written unless `verdict` says every line (one
 *   per product, each existing, not archived and with the stock) can be taken. Should the UPDATE
 *   still skip a line (it cannot, the rows being locked), the line rows are built from
 *   `wanted LEFT JOIN taken`, so the skipped line's NULL price violates NOT NULL and aborts the
 *   whole statement rather than leave a partial decrement.
 *
 * Timestamps are written as Prisma writes them (UTC `timestamp(3)`). The prices are those of the
 * rows decremented, as RETURNING reads them.
 * @param lines merged (one per product), sorted by product id
 * @returns one row per line, by product id
 */
async function takeStock(db: ProductDb, orderId: string, lines: readonly StockLine[]): Promise<TakenLine[]> {
  return db.$queryRaw<TakenLine[]>`
    WITH wanted AS (
      SELECT * FROM unnest(${lines.map((l) => l.productId)}::int[], ${lines.map((l) => l.quantity)}::int[]) AS w(product_id, quantity)
    ), prior AS (
      SELECT EXISTS (SELECT FROM "StockReservation" WHERE "orderId" = ${orderId}::text) AS found
    ), locked AS MATERIALIZED (
      SELECT p."id", p."stock", p."archivedAt" FROM "Product" p JOIN wanted w ON w.product_id = p."id"
      WHERE NOT (SELECT found FROM prior)
      ORDER BY p."id" FOR UPDATE OF p
    ), verdict AS (
      SELECT count(*) = (SELECT count(*) FROM wanted) AND bool_and(l."archivedAt" IS NULL AND l."stock" >= w.quantity) AS ok
      FROM locked l JOIN wanted w ON w.product_id = l."id"
    ), taken AS (
      UPDATE "Product" p SET "stock" = p."stock" - w.quantity, "updatedAt" = ${NOW}
      FROM wanted w
      WHERE (SELECT ok FROM verdict) AND p."id" = w.product_id AND p."stock" >= w.quantity AND p."archivedAt" IS NULL
      RETURNING p."id", p."stock", p."title", p."priceCents", p."discountBasisPoints", p."currencyCode", p."returnPolicy"
    ), reservation AS (
      INSERT INTO "StockReservation" ("orderId", "status", "createdAt", "updatedAt")
      SELECT ${orderId}::text, 'RESERVED'::"ReservationStatus", ${NOW}, ${NOW} WHERE (SELECT ok FROM verdict)
      RETURNING "orderId"
    ), movements AS (
      INSERT INTO "StockMovement" ("productId", "delta", "stockAfter", "reason", "orderId", "createdAt")
      SELECT w.product_id, -w.quantity, t."stock", 'RESERVATION'::"StockMovementReason", r."orderId", ${NOW}
      FROM reservation r CROSS JOIN wanted w LEFT JOIN taken t ON t."id" = w.product_id
      ORDER BY w.product_id
    ), reserved_lines AS (
      INSERT INTO "StockReservationLine" ("orderId", "productId", "quantity", "unitPriceCents", "discountBasisPoints", "currencyCode")
      SELECT r."orderId", w.product_id, w.quantity, t."priceCents", t."discountBasisPoints", t."currencyCode"
      FROM reservation r CROSS JOIN wanted w LEFT JOIN taken t ON t."id" = w.product_id
    )
    SELECT w.product_id AS "productId", t."stock", t."title", t."priceCents", t."discountBasisPoints", t."currencyCode", t."returnPolicy",
      t."id" IS NOT NULL AS "taken",
      l."id" IS NOT NULL AND l."archivedAt" IS NULL AS "known",
      l."id" IS NOT NULL AND l."archivedAt" IS NULL AND l."stock" >= w.quantity AS "available",
      (SELECT found FROM prior) AS "reservedBefore"
    FROM wanted w LEFT JOIN taken t ON t."id" = w.product_id LEFT JOIN locked l ON l."id" = w.product_id
    ORDER BY w.product_id`;
}

/**
 * Stock of the catalog. Reservations are all-or-nothing and idempotent by order id, and made in
 * one statement that locks the products in id order, checks every line on the locked rows and
 * only then decrements (`UPDATE … SET stock = stock - q WHERE stock >= q`), so concurrent
 * checkouts of a scarce product can never oversell, and the `stock >= 0` CHECK constraint is the
 * backstop. Every change writes a StockMovement row in its transaction and, once committed,
 * publishes the new levels (productStockChanged). Archived products cannot be reserved.
 */
export class InventoryService {
  constructor(
    private readonly db: ProductDb,
    private readonly events: StockEventPublisher,
  ) {}

  /**
   * Reserves every line for `orderId`, or nothing, in one statement ({@link takeStock}). A
   * repeated call for the same order returns the first reservation without touching stock again.
   * A short line answers OUT_OF_STOCK, or NOT_FOUND for a missing or archived product: the first
   * such line by product id.
   * Only services (the checkout worker) may.
   * @throws ForbiddenError for clients; BadUserInputError for an empty order or a quantity outside 1..999.
   */
  async reserve(caller: Caller, orderId: string, lines: readonly StockLine[]): Promise<ReservationResult> {
    requireService(caller);
    const merged = mergeLines(lines);
    let rows: TakenLine[];
    try {
      rows = await takeStock(this.db, orderId, merged);
    } catch (err) {
      // A concurrent call for the same order committed its reservation first: nothing of this
      // statement was written; answer with that reservation.
      if (isUniqueViolation(err)) {
        const winner = await this.existing(orderId);
        if (winner) return winner;
      }
      throw err;
    }
    if (rows[0]?.reservedBefore) {
      const first = await this.existing(orderId);
      if (first) return first;
      throw new Error(`the reservation of order ${orderId} disappeared while it was read`);
    }
    if (rows.every((row) => row.taken)) {
      const levels: StockLevel[] = rows.map((row) => ({ productId: row.productId, stock: row.stock! }));
      const reserved = merged.map((line, i): ReservedLine => {
        const row = rows[i]!;
        return {
          productId: line.productId,
          title: row.title!,
          quantity: line.quantity,
          unitPriceCents: row.priceCents!,
          discountBasisPoints: row.discountBasisPoints!,
          currencyCode: row.currencyCode!,
          returnWindowDays: returnWindowDays(row.returnPolicy),
        };
      });
      await this.events.published(levels);
      return { ok: true, lines: reserved };
    }
    // Nothing was written. A concurrent call for the same order may have taken the stock and
    // committed while this statement waited for the product locks, unseen by its snapshot: then
    // answer with that reservation, as a repeat.
    const winner = await this.existing(orderId);
    if (winner) return winner;
    const short = rows.find((row) => !row.available) ?? rows.find((row) => !row.taken)!;
    return { ok: false, failureReason: short.known ? 'OUT_OF_STOCK' : 'NOT_FOUND', failedProductIds: [short.productId] };
  }

  /**
   * Gives back the stock of `orderId`'s reservation (services only). Idempotent: returns false when there was nothing to release.
   * @throws ForbiddenError for clients.
   */
  async release(caller: Caller, orderId: string): Promise<boolean> {
    requireService(caller);
    const levels = await this.db.$transaction(async (tx) => {
      const { count } = await tx.stockReservation.updateMany({ where: { orderId, status: 'RESERVED' }, data: { status: 'RELEASED' } });
      if (count === 0) return null;
      const lines = await tx.stockReservationLine.findMany({ where: { orderId }, orderBy: { productId: 'asc' } });
      return putBack(tx, lines, { reason: 'RELEASE', orderId });
    });
    if (!levels) return false;
    await this.events.published(levels);
    return true;
  }

  private async existing(orderId: string): Promise<ReservationResult | null> {
    const found = await this.db.stockReservation.findUnique({
      where: { orderId },
      include: { lines: { include: { product: { select: { title: true, returnPolicy: true } } }, orderBy: { productId: 'asc' } } },
    });
    if (!found) return null;
    return {
      ok: true,
      lines: found.lines.map((l) => ({
        productId: l.productId,
        title: l.product.title,
        quantity: l.quantity,
        unitPriceCents: l.unitPriceCents,
        discountBasisPoints: l.discountBasisPoints,
        currencyCode: l.currencyCode,
        returnWindowDays: returnWindowDays(l.product.returnPolicy),
      })),
    };
  }

  /**
   * [returns, issue 11 item 5] Puts the units of an approved return back in stock, one RETURN
   * movement per line, in one transaction. Idempotent by `returnId` (its StockReturn row is the
   * key, as StockReservation is for checkouts): a repeat changes nothing.
   * @returns false when this return was restocked already.
   * Only services (the refund worker) may.
   * @throws ForbiddenError for clients; BadUserInputError for no lines or a quantity outside 1..999.
   */
  async restockReturn(caller: Caller, returnId: string, orderId: string, lines: readonly StockLine[]): Promise<boolean> {
    requireService(caller);
    const merged = mergeLines(lines);
    let levels: StockLevel[];
    try {
      levels = await this.db.$transaction(async (tx) => {
        await tx.stockReturn.create({ data: { returnId, orderId } });
        return putBack(tx, merged, { reason: 'RETURN', orderId, returnId });
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
    await this.events.published(levels);
    return true;
  }
}

/**
 * Puts `lines` back in stock inside `tx`, one movement each (a release's or a return's), in the
 * order given. @returns each product's stock after it.
 */
async function putBack(
  tx: Prisma.TransactionClient,
  lines: readonly StockLine[],
  movement: { reason: 'RELEASE' | 'RETURN'; orderId: string; returnId?: string },
): Promise<StockLevel[]> {
  const levels: StockLevel[] = [];
  for (const line of lines) {
    const { stock } = await tx.product.update({
      where: { id: line.productId },
      data: { stock: { increment: line.quantity } },
      select: { stock: true },
    });
    levels.push({ productId: line.productId, stock });
  }
  await tx.stockMovement.createMany({
    data: lines.map((line, i) => ({ productId: line.productId, delta: line.quantity, stockAfter: levels[i]!.stock, ...movement })),
  });
  return levels;
}

function mergeLines(lines: readonly StockLine[]): StockLine[] {
  if (lines.length === 0) throw new BadUserInputError('A reservation needs at least one line');
  const byProduct = new Map<number, number>();
  for (const { productId, quantity } of lines) {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 999) {
      throw new BadUserInputError(`Quantity must be an integer from 1 to 999, got ${quantity}`, { field: 'quantity' });
    }
    byProduct.set(productId, (byProduct.get(productId) ?? 0) + quantity);
  }
  return [...byProduct.entries()].sort(([a], [b]) => a - b).map(([productId, quantity]) => ({ productId, quantity }));
}
