import { randomUUID } from 'node:crypto';
import type { Quote, TaxLine } from '@commerce/common';
import {
  WITH_ITEMS,
  type OrderDb,
  type OrderRecord,
  type OrderWithItems,
  type OrderStatus,
  type OrderStatusEventRecord,
  type PaymentRecord,
  type PaymentStatus,
  type Prisma,
} from '../db';
import { effectsOf } from './order-effects';
import { actorColumns, CHECKOUT_SAGA, type EventActor } from './order-history';
import { canTransition } from './order-lifecycle';
import { recordCheckoutEnded } from './order-metrics';
import { outboxRows, writeOutbox } from './outbox';
import type { Tracking } from './tracking';

/** The payment as the provider last reported it, stored with the order. */
export type PaymentChange = Pick<PaymentRecord, 'provider' | 'reference' | 'amountCents' | 'currencyCode' | 'refundedCents'> & {
  status: PaymentStatus;
};

/** A new order's item: prices (cents, bp), its coupon share and tax, and the product's shipping data. */
export type NewOrderItem = Omit<Prisma.OrderItemUncheckedCreateInput, 'orderId'>;

/** A new order: its fields and items (cents). */
export type NewOrder = Omit<Prisma.OrderUncheckedCreateInput, 'id' | 'status' | 'items' | 'events' | 'payment'> & {
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
  /** Who made the change, for the timeline (default: the checkout saga). */
  actor?: EventActor;
  /** Why, for the timeline (e.g. a cancellation's reason). */
  reason?: string;
  /** The shipment (entering SHIPPED). */
  tracking?: Tracking;
}

/** A change that touches only the order's own row: no repricing, no payment (shipping, delivery, cancellation). */
export type RowChange = Omit<TransitionChange, 'priced' | 'payment'>;

/** Columns a status sets besides the status: when the order shipped or was delivered. */
const STAMPS: Partial<Record<OrderStatus, 'shippedAt' | 'deliveredAt'>> = { SHIPPED: 'shippedAt', DELIVERED: 'deliveredAt' };

/**
 * An order has entered its current status: the history row that shows it as it is now, and what
 * the status causes (outbox), in the caller's transaction.
 */
async function entered(tx: Prisma.TransactionClient, order: OrderWithItems, actor: EventActor, reason?: string): Promise<void> {
  const event = await tx.orderStatusEvent.create({
    data: { orderId: order.id, status: order.status, failureReason: order.failureReason, ...actorColumns(actor, reason ?? null) },
  });
  await writeOutbox(tx, effectsOf(order, event));
}

/**
 * Writes the final prices of every line of the order in one statement (an UPDATE from unnest'ed
 * arrays) instead of one UPDATE per line.
 */
async function repriceItems(tx: Prisma.TransactionClient, orderId: string, priced: Repricing): Promise<void> {
  const lines = priced.quote.lines;
  const column = <T>(of: (line: (typeof lines)[number]) => T) => lines.map(of);
  await tx.$executeRaw`
    UPDATE "OrderItem" AS i SET
      "title" = l.title, "returnWindowDays" = l.return_window_days, "unitPriceCents" = l.unit_price_cents,
      "discountBasisPoints" = l.discount_basis_points, "lineTotalCents" = l.line_total_cents,
      "discountCents" = l.discount_cents, "taxCents" = l.tax_cents
    FROM unnest(
      ${column((l) => l.productId)}::int[], ${column((l) => priced.titles.get(l.productId) ?? '')}::text[],
      ${column((l) => priced.returnWindowDays.get(l.productId) ?? null)}::int[], ${column((l) => l.unitPriceCents)}::int[],
      ${column((l) => l.discountBasisPoints)}::int[], ${column((l) => l.lineTotalCents)}::int[],
      ${column((l) => l.discountCents)}::int[], ${column((l) => l.taxCents)}::int[]
    ) AS l(product_id, title, return_window_days, unit_price_cents, discount_basis_points, line_total_cents, discount_cents, tax_cents)
    WHERE i."orderId" = ${orderId} AND i."productId" = l.product_id`;
}

/** The tax lines stored with an order. */
export const taxLinesOf = (order: Pick<OrderRecord, 'taxLines'>): TaxLine[] =>
  Array.isArray(order.taxLines) ? (order.taxLines as unknown as TaxLine[]) : [];

/**
 * Orders in the database: reads, creation and status changes. Each change writes, in one
 * transaction, the order, its status-history row and the outbox entries the new status causes
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
   * and event in the outbox) is written in the same transaction.
   * @throws Prisma P2002 when the user already has an order with this idempotency key.
   */
  create(order: NewOrder, actor: EventActor): Promise<OrderWithItems> {
    return this.db.$transaction(async (tx) => {
      const { items, ...fields } = order;
      const created = await tx.order.create({ data: { ...fields, items: { create: items } }, include: WITH_ITEMS });
      await entered(tx, created, actor);
      return created;
    });
  }

  /**
   * Moves an order from `from` to `to` (a legal transition); a compare-and-set on the status
   * makes it safe against a concurrent change.
   * @returns the order as it now is, or null when it was no longer in `from` (nothing changed).
   * @throws Error for a transition the lifecycle does not have (a bug, not a user error).
   */
  async transition(orderId: string, from: OrderStatus, to: OrderStatus, change: TransitionChange = {}): Promise<OrderWithItems | null> {
    if (!canTransition(from, to)) throw new Error(`illegal order transition ${from} → ${to}`);
    const order = await this.db.$transaction(async (tx) => {
      const { priced, payment, tracking } = change;
      const stamp = STAMPS[to];
      const { count } = await tx.order.updateMany({
        where: { id: orderId, status: from },
        data: {
          status: to,
          failureReason: change.failureReason ?? null,
          ...(priced ? totalsOf(priced.quote) : {}),
          ...(tracking ?? {}),
          ...(stamp ? { [stamp]: new Date() } : {}),
        },
      });
      if (count === 0) return null;
      if (priced && priced.quote.lines.length > 0) await repriceItems(tx, orderId, priced);
      if (payment) await tx.payment.upsert({ where: { orderId }, create: { orderId, ...payment }, update: payment });
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, include: WITH_ITEMS });
      await entered(tx, order, change.actor ?? CHECKOUT_SAGA, change.reason);
      return order;
    });
    // Leaving PENDING ends a checkout (the saga, or the reconciler's timeout): counted once it committed.
    if (order && from === 'PENDING') recordCheckoutEnded(order);
    return order;
  }

  /**
   * {@link transition} for a change of the order's own row, from `order` as the caller read it:
   * one statement instead of a transaction of six round trips, since nothing it writes depends
   * on a read inside it. The compare-and-set on the status, the status-history row and the
   * outbox entries are one `UPDATE … RETURNING` with two `INSERT … SELECT`s from it (an order that
   * left `order.status` meanwhile updates nothing, so nothing is inserted). The ids and times are
   * chosen here, as Prisma chooses them (`uuid()`, `now()`, `@updatedAt`), so the outbox entries
   * are those of the order as it now is: `order` with the change applied (its items and payment
   * are not touched by a row change).
   * @returns the order as it now is, or null when it was no longer in `order.status` (nothing changed).
   * @throws Error for a transition the lifecycle does not have (a bug, not a user error).
   */
  async transitionRow(order: OrderWithItems, to: OrderStatus, change: RowChange = {}): Promise<OrderWithItems | null> {
    const from = order.status;
    if (!canTransition(from, to)) throw new Error(`illegal order transition ${from} → ${to}`);
    const now = new Date();
    const stamp = STAMPS[to];
    const moved: OrderWithItems = {
      ...order,
      status: to,
      failureReason: change.failureReason ?? null,
      ...(change.tracking ?? {}),
      ...(stamp ? { [stamp]: now } : {}),
      updatedAt: now,
    };
    const actor = actorColumns(change.actor ?? CHECKOUT_SAGA, change.reason ?? null);
    const event: OrderStatusEventRecord = {
      id: randomUUID(),
      orderId: order.id,
      status: to,
      failureReason: moved.failureReason,
      createdAt: now,
      ...actor,
    };
    const outbox = outboxRows(effectsOf(moved, event));
    // Timestamps travel as UTC ISO strings: a cast to timestamp (without time zone) keeps the UTC wall clock, as Prisma stores it.
    const at = now.toISOString();
    const tracking = change.tracking;
    const rows = await this.db.$queryRaw<{ moved: number }[]>`
      WITH moved AS (
        UPDATE "Order" SET
          "status" = ${to}::"OrderStatus", "failureReason" = ${moved.failureReason}, "updatedAt" = ${at}::timestamp(3),
          "carrier" = COALESCE(${tracking?.carrier ?? null}::"Carrier", "carrier"),
          "trackingNumber" = COALESCE(${tracking?.trackingNumber ?? null}, "trackingNumber"),
          "trackingUrl" = COALESCE(${tracking?.trackingUrl ?? null}, "trackingUrl"),
          "shippedAt" = CASE WHEN ${stamp === 'shippedAt'} THEN ${at}::timestamp(3) ELSE "shippedAt" END,
          "deliveredAt" = CASE WHEN ${stamp === 'deliveredAt'} THEN ${at}::timestamp(3) ELSE "deliveredAt" END
        WHERE "id" = ${order.id} AND "status" = ${from}::"OrderStatus"
        RETURNING "id"
      ), event AS (
        INSERT INTO "OrderStatusEvent"
          ("id", "orderId", "status", "failureReason", "createdAt", "actorKind", "actorUserId", "actorRole", "actorName", "reason")
        SELECT ${event.id}, "id", ${to}::"OrderStatus", ${event.failureReason}, ${at}::timestamp(3),
          ${actor.actorKind}::"OrderActorKind", ${actor.actorUserId}::int, ${actor.actorRole}, ${actor.actorName}, ${actor.reason}
        FROM moved
        RETURNING "id"
      ), outbox AS (
        INSERT INTO "OutboxMessage" ("id", "queue", "name", "payload", "traceparent", "tracestate", "createdAt")
        SELECT m.id, m.queue, m.name, m.payload::jsonb, ${outbox.traceparent}, ${outbox.tracestate}, ${at}::timestamp(3)
        FROM unnest(${outbox.ids}::text[], ${outbox.queues}::text[], ${outbox.names}::text[], ${outbox.payloads}::text[]) AS m(id, queue, name, payload)
        WHERE EXISTS (SELECT 1 FROM event)
      )
      SELECT count(*)::int AS moved FROM moved`;
    if (rows[0]?.moved !== 1) return null;
    if (from === 'PENDING') recordCheckoutEnded(moved);
    return moved;
  }

  /**
   * Keeps the customer's email on the order (once: an email already kept stays), as the user
   * subgraph stores it; order management filters by it. Null (unknown user): nothing changes.
   */
  async recordCustomerEmail(orderId: string, email: string | null): Promise<void> {
    if (email === null) return;
    await this.db.order.updateMany({ where: { id: orderId, customerEmail: null }, data: { customerEmail: email } });
  }

  /** Records what the provider reports after a compensation (void or refund); no status change. */
  async recordPayment(orderId: string, payment: PaymentChange): Promise<void> {
    await this.db.payment.upsert({ where: { orderId }, create: { orderId, ...payment }, update: payment });
  }
}
