import { BadUserInputError, requireService, type Caller } from '@commerce/common';
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

class InsufficientStock extends Error {
  constructor(readonly productId: number) {
    super(`insufficient stock for product ${productId}`);
  }
}

/**
 * Takes every line's quantity off its product's stock in one statement, or none (throws
 * InsufficientStock for the first line, by product id, that lacks stock or whose product is
 * missing or archived; the caller's transaction then rolls back). The rows are locked first in
 * product-id order (`FOR UPDATE` under `ORDER BY`), so two multi-line reservations cannot
 * deadlock, and each `stock >= quantity` check is made on the row's latest committed version
 * (PostgreSQL re-checks an UPDATE's condition on a row another transaction changed meanwhile), so
 * concurrent reservations cannot oversell. The prices are those of the rows decremented, as
 * RETURNING reads them.
 * @param lines merged (one per product), sorted by product id
 * @returns each product's row after the decrement, by id
 */
async function decrementStock(
  tx: Prisma.TransactionClient,
  lines: readonly StockLine[],
): Promise<Map<number, ReservedProduct & { stock: number }>> {
  const rows = await tx.$queryRaw<(ReservedProduct & { id: number; stock: number })[]>`
    WITH wanted AS (
      SELECT * FROM unnest(${lines.map((l) => l.productId)}::int[], ${lines.map((l) => l.quantity)}::int[]) AS w(product_id, quantity)
    ), locked AS MATERIALIZED (
      SELECT p."id" FROM "Product" p JOIN wanted w ON w.product_id = p."id" ORDER BY p."id" FOR UPDATE OF p
    )
    UPDATE "Product" p SET "stock" = p."stock" - w.quantity, "updatedAt" = now()
    FROM wanted w
    WHERE p."id" = w.product_id AND p."id" IN (SELECT "id" FROM locked)
      AND p."stock" >= w.quantity AND p."archivedAt" IS NULL
    RETURNING p."id", p."stock", p."title", p."priceCents", p."discountBasisPoints", p."currencyCode", p."returnPolicy"`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  const short = lines.find((line) => !byId.has(line.productId));
  if (short) throw new InsufficientStock(short.productId);
  return byId;
}

/** The columns of a reserved product that price its line. */
type ReservedProduct = {
  title: string;
  priceCents: number;
  discountBasisPoints: number;
  currencyCode: string;
  returnPolicy: string | null;
};

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/**
 * Stock of the catalog. Reservations are all-or-nothing and idempotent by order id; each line is
 * an atomic conditional decrement (`UPDATE … SET stock = stock - q WHERE stock >= q`), so
 * concurrent checkouts of a scarce product can never oversell, and the `stock >= 0` CHECK
 * constraint is the backstop. Every change writes a StockMovement row in its transaction and,
 * once committed, publishes the new levels (productStockChanged). Archived products cannot be reserved.
 */
export class InventoryService {
  constructor(
    private readonly db: ProductDb,
    private readonly events: StockEventPublisher,
  ) {}

  /**
   * Reserves every line for `orderId`, or nothing. A repeated call for the same order returns
   * the first reservation without touching stock again.
   * Only services (the checkout worker) may.
   * @throws ForbiddenError for clients; BadUserInputError for an empty order or a quantity outside 1..999.
   */
  async reserve(caller: Caller, orderId: string, lines: readonly StockLine[]): Promise<ReservationResult> {
    requireService(caller);
    const merged = mergeLines(lines);
    // No probe for an earlier reservation first: a repeat fails the reservation's insert (unique
    // order id) and answers from the existing one below, so the common first call saves a statement.
    try {
      const { priced: reserved, levels } = await this.db.$transaction(async (tx) => {
        await tx.stockReservation.create({ data: { orderId } });
        const byId = await decrementStock(tx, merged);
        const levels: StockLevel[] = merged.map((line) => ({ productId: line.productId, stock: byId.get(line.productId)!.stock }));
        await tx.stockMovement.createMany({
          data: merged.map((line, i) => ({
            productId: line.productId,
            delta: -line.quantity,
            stockAfter: levels[i]!.stock,
            reason: 'RESERVATION' as const,
            orderId,
          })),
        });
        const priced = merged.map((line) => {
          const p = byId.get(line.productId)!;
          return {
            productId: line.productId,
            title: p.title,
            quantity: line.quantity,
            unitPriceCents: p.priceCents,
            discountBasisPoints: p.discountBasisPoints,
            currencyCode: p.currencyCode,
            returnWindowDays: returnWindowDays(p.returnPolicy),
          };
        });
        await tx.stockReservationLine.createMany({
          data: priced.map(({ title: _title, returnWindowDays: _days, ...line }) => ({ orderId, ...line })),
        });
        return { priced, levels };
      });
      await this.events.published(levels);
      return { ok: true, lines: reserved };
    } catch (err) {
      if (err instanceof InsufficientStock) {
        const known = await this.db.product.count({ where: { id: err.productId, archivedAt: null } });
        return { ok: false, failureReason: known ? 'OUT_OF_STOCK' : 'NOT_FOUND', failedProductIds: [err.productId] };
      }
      // Another call for the same order won the race: answer with its reservation.
      if (isUniqueViolation(err)) {
        const winner = await this.existing(orderId);
        if (winner) return winner;
      }
      throw err;
    }
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
