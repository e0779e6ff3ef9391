import { randomUUID } from 'node:crypto';
import type { Quote, TaxLine } from '@commerce/common';
import {
  WITH_ITEMS,
  type OrderDb,
  type OrderItemRecord,
  type OrderRecord,
  type OrderWithItems,
  type OrderStatus,
  type OrderStatusEventRecord,
  type PaymentRecord,
  type PaymentStatus,
  Prisma,
} from '../db';
import { effectsOf } from './order-effects';
import { actorColumns, CHECKOUT_SAGA, type EventActor } from './order-history';
import { canTransition } from './order-lifecycle';
import { recordCheckoutEnded } from './order-metrics';
import { outboxInsert } from './outbox';
import type { Tracking } from './tracking';

/** The payment as the provider last reported it, stored with the order. */
export type PaymentChange = Pick<PaymentRecord, 'provider' | 'reference' | 'amountCents' | 'currencyCode' | 'refundedCents'> & {
  status: PaymentStatus;
};

/** A new order's item: prices (cents, bp), its coupon share and tax, and the product's shipping data. */
export type NewOrderItem = Omit<Prisma.OrderItemUncheckedCreateInput, 'orderId'>;

/** The JSON columns of an order: plain JSON values (left out: NULL). */
type OrderJsonColumns = 'shippingAddress' | 'shippingRate' | 'estimate' | 'couponTerms' | 'taxLines';

/** A new order: its fields and items (cents). */
export type NewOrder = Omit<Prisma.OrderUncheckedCreateInput, 'id' | 'status' | 'items' | 'events' | 'payment' | OrderJsonColumns> & {
  [column in OrderJsonColumns]?: Prisma.InputJsonValue;
} & {
  items: NewOrderItem[];
};

/** Totals of a priced order as stored (cents), from a {@link Quote}. */
export const totalsOf = (q: Quote) => ({
  subtotalCents: q.subtotal,
  discountTotalCents: q.discountTotal,
  shippingTotalCents: q.shippingTotal,
  taxTotalCents: q.taxTotal,
  totalCents: q.total,
  taxLines: q.taxLines as unknown as Prisma.InputJsonValue,
});

/** Final prices of the lines (reservation) and the totals they give, written on confirmation. */
export interface Repricing {
  quote: Quote;
  titles: ReadonlyMap<number, string>;
  /** [returns] Each product's return window at reservation (calendar days; null: not returnable). */
  returnWindowDays: ReadonlyMap<number, number | null>;
}

/** What a transition writes besides the status. */
export interface TransitionChange {
  failureReason?: string;
  /** Final prices from the stock reservation (confirmation). */
  priced?: Repricing;
  payment?: PaymentChange;
  /** The customer's email as the user subgraph stores it, kept unless the order has one. */
  customerEmail?: string | null;
  /** Who made the change, for the timeline (default: the checkout saga). */
  actor?: EventActor;
  /** Why, for the timeline (e.g. a cancellation's reason). */
  reason?: string;
  /** The shipment (entering SHIPPED). */
  tracking?: Tracking;
}

/** A change of an order's lifecycle by a user (shipping, delivery, cancellation): no repricing, no payment, no email. */
export type RowChange = Omit<TransitionChange, 'priced' | 'payment' | 'customerEmail'>;

/** Columns a status sets besides the status: when the order shipped or was delivered. */
const STAMPS: Partial<Record<OrderStatus, 'shippedAt' | 'deliveredAt'>> = { SHIPPED: 'shippedAt', DELIVERED: 'deliveredAt' };

/** A JSON column's value as Prisma reads it back (null for a column left unset). */
const jsonColumn = (v: Prisma.InputJsonValue | undefined): Prisma.JsonValue => (v === undefined ? null : (v as Prisma.JsonValue));

/**
 * The order {@link OrderRepository.create} writes, as Prisma would read it back ({@link WITH_ITEMS}):
 * every column, with the schema's defaults where `order` leaves one out (prisma/order/schema.prisma),
 * items by product id, no payment yet.
 */
function newOrderRecord(order: NewOrder, id: string, now: Date): OrderWithItems {
  const { items, ...o } = order;
  return {
    id,
    userId: o.userId,
    idempotencyKey: o.idempotencyKey,
    requestFingerprint: o.requestFingerprint ?? '',
    paymentToken: o.paymentToken ?? 'tok_visa',
    status: 'PENDING',
    failureReason: null,
    subtotalCents: o.subtotalCents,
    discountTotalCents: o.discountTotalCents ?? 0,
    shippingTotalCents: o.shippingTotalCents ?? 0,
    taxTotalCents: o.taxTotalCents ?? 0,
    totalCents: o.totalCents,
    currencyCode: o.currencyCode ?? 'USD',
    cartId: o.cartId ?? null,
    shippingAddress: jsonColumn(o.shippingAddress),
    shippingMethod: o.shippingMethod ?? null,
    shippingRate: jsonColumn(o.shippingRate),
    estimate: jsonColumn(o.estimate),
    couponCode: o.couponCode ?? null,
    couponTerms: jsonColumn(o.couponTerms),
    taxLines: jsonColumn(o.taxLines ?? []),
    createdAt: now,
    updatedAt: now,
    customerEmail: o.customerEmail ?? null,
    carrier: null,
    trackingNumber: null,
    trackingUrl: null,
    shippedAt: null,
    deliveredAt: null,
    payment: null,
    items: items
      .map((i) => ({
        orderId: id,
        productId: i.productId,
        title: i.title ?? '',
        quantity: i.quantity,
        unitPriceCents: i.unitPriceCents,
        discountBasisPoints: i.discountBasisPoints,
        lineTotalCents: i.lineTotalCents,
        discountCents: i.discountCents ?? 0,
        taxCents: i.taxCents ?? 0,
        weightKg: i.weightKg ?? 0,
        widthCm: i.widthCm ?? 0,
        heightCm: i.heightCm ?? 0,
        depthCm: i.depthCm ?? 0,
        handlingDays: i.handlingDays ?? 0,
        taxCategory: i.taxCategory ?? 'STANDARD',
        categoryPath: Array.isArray(i.categoryPath) ? [...i.categoryPath] : [...(i.categoryPath?.set ?? [])],
        returnWindowDays: i.returnWindowDays ?? null,
      }))
      .sort((a, b) => a.productId - b.productId),
  };
}

/** What a confirmation's final prices set on `order`: its totals, tax lines and repriced items. */
function repricedColumns(order: OrderWithItems, priced: Repricing) {
  const totals = totalsOf(priced.quote);
  return { ...totals, taxLines: jsonColumn(totals.taxLines), items: repricedItems(order, priced) };
}

/** The items of `order` with the final prices of `priced` (lines it does not price stay as they are). */
function repricedItems(order: OrderWithItems, priced: Repricing): OrderItemRecord[] {
  const lines = new Map(priced.quote.lines.map((l) => [l.productId, l]));
  return order.items.map((item) => {
    const line = lines.get(item.productId);
    if (!line) return item;
    return {
      ...item,
      title: priced.titles.get(item.productId) ?? '',
      returnWindowDays: priced.returnWindowDays.get(item.productId) ?? null,
      unitPriceCents: line.unitPriceCents,
      discountBasisPoints: line.discountBasisPoints,
      lineTotalCents: line.lineTotalCents,
      discountCents: line.discountCents,
      taxCents: line.taxCents,
    };
  });
}

/** The status-history row of `order` entering its current status. */
const eventOf = (order: OrderWithItems, now: Date, actor: EventActor, reason: string | null): OrderStatusEventRecord => ({
  id: randomUUID(),
  orderId: order.id,
  status: order.status,
  failureReason: order.failureReason,
  createdAt: now,
  ...actorColumns(actor, reason),
});

// Rows travel as JSON and are inserted with jsonb_populate_record(set): one statement writes whole rows
// whatever their columns. Times are UTC ISO strings, which a timestamp (without time zone) column
// keeps as the UTC wall clock, as Prisma stores them; a JSON null is an SQL NULL.
const rowJson = (row: unknown): string => JSON.stringify(row);

/** The tax lines stored with an order. */
export const taxLinesOf = (order: Pick<OrderRecord, 'taxLines'>): TaxLine[] =>
  Array.isArray(order.taxLines) ? (order.taxLines as unknown as TaxLine[]) : [];

/**
 * Orders in the database: reads, creation and status changes. Each change writes, in one
 * statement (so one transaction), the order, its status-history row and the outbox entries the new status causes
 * (events, jobs), so nothing downstream can run before the change commits or be lost after it
 * (transactional outbox).
 */
export class OrderRepository {
  constructor(private readonly db: OrderDb) {}

  find(id: string): Promise<OrderWithItems | null> {
    return this.db.order.findUnique({ where: { id }, include: WITH_ITEMS });
  }

  /** The user's order placed with this idempotency key, if any (one statement: items and payment are joined). */
  findByKey(userId: number, idempotencyKey: string): Promise<OrderWithItems | null> {
    return this.db.order.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey } }, include: WITH_ITEMS });
  }

  /** The order's status alone (one statement), or null for an unknown order. */
  async statusOf(id: string): Promise<OrderStatus | null> {
    const row = await this.db.order.findUnique({ where: { id }, select: { status: true } });
    return row?.status ?? null;
  }

  /** A status event with its order as it now is. */
  findEvent(eventId: string) {
    return this.db.orderStatusEvent.findUnique({ where: { id: eventId }, include: { order: { include: WITH_ITEMS } } });
  }

  /** Up to `take` orders matching `where`, in `orderBy` order, with items and payment (one statement: they are joined). */
  list(where: Prisma.OrderWhereInput, orderBy: Prisma.OrderOrderByWithRelationInput[], take: number): Promise<OrderWithItems[]> {
    return this.db.order.findMany({ where, orderBy, include: WITH_ITEMS, take });
  }

  count(where: Prisma.OrderWhereInput): Promise<number> {
    return this.db.order.count({ where });
  }

  paymentOf(orderId: string): Promise<PaymentRecord | null> {
    return this.db.payment.findUnique({ where: { orderId } });
  }

  /**
   * Creates a PENDING order with its items; entering PENDING (its history row, its checkout job
   * and event in the outbox) is written by the same statement, so all of it commits or none does.
   * One statement (an INSERT of the order with data-modifying CTEs for its items, history row and
   * outbox entries) instead of a transaction of seven round trips: nothing it writes depends on a
   * read, since the ids and times are chosen here, as Prisma chooses them (`uuid()`, `now()`).
   * @returns the order as it was written (as {@link find} would read it).
   * @throws a unique violation (`isUniqueViolation`) when the user already has an order with this idempotency key.
   */
  async create(order: NewOrder, actor: EventActor): Promise<OrderWithItems> {
    const now = new Date();
    const created = newOrderRecord(order, randomUUID(), now);
    const { items, payment: _none, ...row } = created;
    const event = eventOf(created, now, actor, null);
    await this.db.$executeRaw`
      WITH placed AS (
        INSERT INTO "Order" SELECT * FROM jsonb_populate_record(NULL::"Order", ${rowJson(row)}::jsonb)
      ), items AS (
        INSERT INTO "OrderItem" SELECT * FROM jsonb_populate_recordset(NULL::"OrderItem", ${rowJson(items)}::jsonb)
      ), event AS (
        INSERT INTO "OrderStatusEvent" SELECT * FROM jsonb_populate_record(NULL::"OrderStatusEvent", ${rowJson(event)}::jsonb)
      )
      ${outboxInsert(effectsOf(created, event), now)}`;
    return created;
  }

  /**
   * Moves `order` (as the caller read it) from its status to `to`, a legal transition, with what
   * `change` sets: a failure reason, the final prices of a confirmation (order totals and each
   * line), the payment (inserted or updated), the customer's email (kept only where none is), the
   * shipment, the shipped/delivered time. A compare-and-set on the status makes it safe against a
   * concurrent change: an order that left `order.status` meanwhile changes nothing.
   * One statement instead of a transaction of up to nine round trips, since nothing it writes
   * depends on a read inside it: the UPDATE of the order (`… RETURNING`) with data-modifying CTEs
   * for the lines, the payment, the status-history row and the outbox entries, each written only
   * when the order moved. The ids and times are chosen here, as Prisma chooses them (`uuid()`,
   * `now()`, `@updatedAt`), so the outbox entries are those of the order as it now is: `order`
   * with the change applied. While an order is PENDING only its saga (or the reconciler ending it)
   * writes it, so the saga's `order` read at its start is the row as it is.
   * @returns the order as it now is, or null when it was no longer in `order.status` (nothing changed).
   * @throws Error for a transition the lifecycle does not have (a bug, not a user error).
   */
  async transition(order: OrderWithItems, to: OrderStatus, change: TransitionChange = {}): Promise<OrderWithItems | null> {
    const from = order.status;
    if (!canTransition(from, to)) throw new Error(`illegal order transition ${from} → ${to}`);
    const now = new Date();
    const stamp = STAMPS[to];
    const { priced, payment, tracking } = change;
    const moved: OrderWithItems = {
      ...order,
      status: to,
      failureReason: change.failureReason ?? null,
      ...(priced ? repricedColumns(order, priced) : {}),
      ...(payment ? { payment: { orderId: order.id, ...payment, createdAt: order.payment?.createdAt ?? now, updatedAt: now } } : {}),
      customerEmail: order.customerEmail ?? change.customerEmail ?? null,
      ...(tracking ?? {}),
      ...(stamp ? { [stamp]: now } : {}),
      updatedAt: now,
    };
    const event = eventOf(moved, now, change.actor ?? CHECKOUT_SAGA, change.reason ?? null);
    const repriced = priced ? new Set(priced.quote.lines.map((l) => l.productId)) : new Set<number>();
    const lines = moved.items.filter((i) => repriced.has(i.productId));
    const isPriced = priced !== undefined;
    // Timestamps travel as UTC ISO strings: a cast to timestamp (without time zone) keeps the UTC wall clock, as Prisma stores it.
    const at = now.toISOString();
    const rows = await this.db.$queryRaw<{ moved: number }[]>`
      WITH moved AS (
        UPDATE "Order" SET
          "status" = ${to}::"OrderStatus", "failureReason" = ${moved.failureReason}, "updatedAt" = ${at}::timestamp(3),
          "subtotalCents" = CASE WHEN ${isPriced} THEN ${moved.subtotalCents}::int ELSE "subtotalCents" END,
          "discountTotalCents" = CASE WHEN ${isPriced} THEN ${moved.discountTotalCents}::int ELSE "discountTotalCents" END,
          "shippingTotalCents" = CASE WHEN ${isPriced} THEN ${moved.shippingTotalCents}::int ELSE "shippingTotalCents" END,
          "taxTotalCents" = CASE WHEN ${isPriced} THEN ${moved.taxTotalCents}::int ELSE "taxTotalCents" END,
          "totalCents" = CASE WHEN ${isPriced} THEN ${moved.totalCents}::int ELSE "totalCents" END,
          "taxLines" = CASE WHEN ${isPriced} THEN ${rowJson(moved.taxLines ?? [])}::jsonb ELSE "taxLines" END,
          "customerEmail" = COALESCE("customerEmail", ${change.customerEmail ?? null}),
          "carrier" = COALESCE(${tracking?.carrier ?? null}::"Carrier", "carrier"),
          "trackingNumber" = COALESCE(${tracking?.trackingNumber ?? null}, "trackingNumber"),
          "trackingUrl" = COALESCE(${tracking?.trackingUrl ?? null}, "trackingUrl"),
          "shippedAt" = CASE WHEN ${stamp === 'shippedAt'} THEN ${at}::timestamp(3) ELSE "shippedAt" END,
          "deliveredAt" = CASE WHEN ${stamp === 'deliveredAt'} THEN ${at}::timestamp(3) ELSE "deliveredAt" END
        WHERE "id" = ${order.id} AND "status" = ${from}::"OrderStatus"
        RETURNING "id"
      ), lines AS (
        UPDATE "OrderItem" AS i SET
          "title" = l."title", "returnWindowDays" = l."returnWindowDays", "unitPriceCents" = l."unitPriceCents",
          "discountBasisPoints" = l."discountBasisPoints", "lineTotalCents" = l."lineTotalCents",
          "discountCents" = l."discountCents", "taxCents" = l."taxCents"
        FROM jsonb_populate_recordset(NULL::"OrderItem", ${rowJson(lines)}::jsonb) AS l
        WHERE i."orderId" IN (SELECT "id" FROM moved) AND i."productId" = l."productId"
      ), payment AS (
        INSERT INTO "Payment"
        SELECT p.* FROM jsonb_populate_recordset(NULL::"Payment", ${rowJson(payment ? [moved.payment] : [])}::jsonb) AS p
        WHERE EXISTS (SELECT 1 FROM moved)
        ON CONFLICT ("orderId") DO UPDATE SET
          "provider" = EXCLUDED."provider", "reference" = EXCLUDED."reference", "status" = EXCLUDED."status",
          "amountCents" = EXCLUDED."amountCents", "currencyCode" = EXCLUDED."currencyCode",
          "refundedCents" = EXCLUDED."refundedCents", "updatedAt" = EXCLUDED."updatedAt"
      ), event AS (
        INSERT INTO "OrderStatusEvent"
        SELECT e.* FROM jsonb_populate_record(NULL::"OrderStatusEvent", ${rowJson(event)}::jsonb) AS e
        WHERE EXISTS (SELECT 1 FROM moved)
      ), outbox AS (
        ${outboxInsert(effectsOf(moved, event), now, Prisma.sql`EXISTS (SELECT 1 FROM moved)`)}
      )
      SELECT count(*)::int AS moved FROM moved`;
    if (rows[0]?.moved !== 1) return null;
    // Leaving PENDING ends a checkout (the saga, or the reconciler's timeout): counted once it committed.
    if (from === 'PENDING') recordCheckoutEnded(moved);
    return moved;
  }

  /** Records what the provider reports after a compensation (void or refund); no status change. */
  async recordPayment(orderId: string, payment: PaymentChange): Promise<void> {
    await this.db.payment.upsert({ where: { orderId }, create: { orderId, ...payment }, update: payment });
  }
}
