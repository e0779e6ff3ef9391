import { lineTotal, orderSubtotal } from '@commerce/common';
import type { OrderDb, OrderItemRecord, OrderRecord, OrderStatus, PaymentRecord, PaymentStatus, Prisma } from '../db';
import { effectsOf } from './order-effects';
import { canTransition } from './order-lifecycle';
import { writeOutbox } from './outbox';

export type OrderWithItems = OrderRecord & { items: OrderItemRecord[]; payment: PaymentRecord | null };

/** Prisma `include` that loads an order's items in a stable order, and its payment. */
export const WITH_ITEMS = { items: { orderBy: { productId: 'asc' } }, payment: true } as const;

/** A priced line: unit price in cents, discount in basis points; the title when known. */
export interface PricedLine {
  productId: number;
  title?: string;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
}

/** Items and totals by the pricing rule (DESIGN.md), in cents. */
export type PricedOrder = ReturnType<typeof priceLines>;

export function priceLines(lines: readonly PricedLine[]) {
  const items = lines.map(({ productId, title, quantity, unitPriceCents, discountBasisPoints }) => ({
    productId,
    title: title ?? '',
    quantity,
    unitPriceCents,
    discountBasisPoints,
    lineTotalCents: lineTotal(unitPriceCents, quantity, discountBasisPoints),
  }));
  const subtotalCents = orderSubtotal(items.map((i) => i.lineTotalCents));
  return { items, subtotalCents, totalCents: subtotalCents };
}

/** The payment as the provider last reported it, stored with the order. */
export type PaymentChange = Pick<PaymentRecord, 'provider' | 'reference' | 'amountCents' | 'currencyCode'> & { status: PaymentStatus };

/** A new order: its fields and priced items (cents). */
export type NewOrder = Omit<Prisma.OrderUncheckedCreateInput, 'id' | 'status' | 'items' | 'events' | 'payment'> & {
  items: PricedOrder['items'];
};

/**
 * An order has entered its current status: the history row that shows it as it is now, and what
 * the status causes (outbox), in the caller's transaction.
 */
async function entered(tx: Prisma.TransactionClient, order: OrderWithItems): Promise<void> {
  const event = await tx.orderStatusEvent.create({ data: { orderId: order.id, status: order.status, failureReason: order.failureReason } });
  await writeOutbox(tx, effectsOf(order, event));
}

/** What a transition writes besides the status. */
export interface TransitionChange {
  failureReason?: string;
  /** Final prices from the stock reservation (confirmation). */
  priced?: PricedOrder;
  payment?: PaymentChange;
}

/**
 * Status changes of orders. Each writes, in one transaction, the order, its status-history row
 * and the outbox entries the new status causes (events, jobs), so nothing downstream can run
 * before the change commits or be lost after it (transactional outbox).
 */
export class OrderRepository {
  constructor(private readonly db: OrderDb) {}

  find(id: string): Promise<OrderWithItems | null> {
    return this.db.order.findUnique({ where: { id }, include: WITH_ITEMS });
  }

  /**
   * Creates a PENDING order with its items; entering PENDING (its history row, its checkout job
   * and event in the outbox) is written in the same transaction.
   * @throws Prisma P2002 when the user already has an order with this idempotency key.
   */
  create(order: NewOrder): Promise<OrderWithItems> {
    return this.db.$transaction(async (tx) => {
      const { items, ...fields } = order;
      const created = await tx.order.create({ data: { ...fields, items: { create: items } }, include: WITH_ITEMS });
      await entered(tx, created);
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
    return this.db.$transaction(async (tx) => {
      const { priced, payment } = change;
      const { count } = await tx.order.updateMany({
        where: { id: orderId, status: from },
        data: {
          status: to,
          failureReason: change.failureReason ?? null,
          ...(priced ? { subtotalCents: priced.subtotalCents, totalCents: priced.totalCents } : {}),
        },
      });
      if (count === 0) return null;
      for (const item of priced?.items ?? []) {
        await tx.orderItem.update({
          where: { orderId_productId: { orderId, productId: item.productId } },
          data: {
            title: item.title,
            unitPriceCents: item.unitPriceCents,
            discountBasisPoints: item.discountBasisPoints,
            lineTotalCents: item.lineTotalCents,
          },
        });
      }
      if (payment) await tx.payment.upsert({ where: { orderId }, create: { orderId, ...payment }, update: payment });
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, include: WITH_ITEMS });
      await entered(tx, order);
      return order;
    });
  }

  /** Records what the provider reports after a compensation (void or refund); no status change. */
  async recordPayment(orderId: string, payment: PaymentChange): Promise<void> {
    await this.db.payment.upsert({ where: { orderId }, create: { orderId, ...payment }, update: payment });
  }
}
