import { lineTotal, orderSubtotal } from '@commerce/common';
import {
  type OrderDb,
  type OrderItemRecord,
  type OrderRecord,
  type OrderStatus,
  type OrderStatusEventRecord,
  type PaymentRecord,
  type PaymentStatus,
} from '../db';
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
   * Moves an order from `from` to `to` (a legal transition); a compare-and-set on the status
   * makes it safe against a concurrent change.
   * @returns the event, or null when the order was no longer in `from` (nothing changed).
   * @throws Error for a transition the lifecycle does not have (a bug, not a user error).
   */
  async transition(
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    change: TransitionChange = {},
  ): Promise<OrderStatusEventRecord | null> {
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
      const event = await tx.orderStatusEvent.create({ data: { orderId, status: to, failureReason: change.failureReason ?? null } });
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, include: WITH_ITEMS });
      await writeOutbox(tx, effectsOf(order, event));
      return event;
    });
  }

  /** Records what the provider reports after a compensation (void or refund); no status change. */
  async recordPayment(orderId: string, payment: PaymentChange): Promise<void> {
    await this.db.payment.upsert({ where: { orderId }, create: { orderId, ...payment }, update: payment });
  }
}
