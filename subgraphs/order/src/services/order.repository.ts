import { lineTotal, orderSubtotal } from '@commerce/common';
import type { OrderDb, OrderItemRecord, OrderRecord, OrderStatus, OrderStatusEventRecord } from '../db';
import { canTransition } from './order-lifecycle';

export type OrderWithItems = OrderRecord & { items: OrderItemRecord[] };

/** Prisma `include` that loads an order's items in a stable order. */
export const WITH_ITEMS = { items: { orderBy: { productId: 'asc' } } } as const;

/** A priced line: unit price in cents, discount in basis points. */
export interface PricedLine {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
}

/** Items and totals by the pricing rule (DESIGN.md), in cents. */
export type PricedOrder = ReturnType<typeof priceLines>;

export function priceLines(lines: readonly PricedLine[]) {
  const items = lines.map(({ productId, quantity, unitPriceCents, discountBasisPoints }) => ({
    productId,
    quantity,
    unitPriceCents,
    discountBasisPoints,
    lineTotalCents: lineTotal(unitPriceCents, quantity, discountBasisPoints),
  }));
  const subtotalCents = orderSubtotal(items.map((i) => i.lineTotalCents));
  return { items, subtotalCents, totalCents: subtotalCents };
}

/** Status changes of orders, each with its history row, in one transaction. */
export class OrderRepository {
  constructor(private readonly db: OrderDb) {}

  find(id: string): Promise<OrderWithItems | null> {
    return this.db.order.findUnique({ where: { id }, include: WITH_ITEMS });
  }

  /**
   * Moves an order from `from` to `to` (a legal transition) and records the event, atomically;
   * `priced` replaces the items' prices and the totals in the same transaction. A compare-and-set on the
   * status makes it safe against a concurrent change.
   * @returns the event, or null when the order was no longer in `from` (nothing changed).
   */
  async transition(
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    change: { failureReason?: string; priced?: PricedOrder } = {},
  ): Promise<OrderStatusEventRecord | null> {
    if (!canTransition(from, to)) throw new Error(`illegal order transition ${from} → ${to}`);
    return this.db.$transaction(async (tx) => {
      const { priced } = change;
      const { count } = await tx.order.updateMany({
        where: { id: orderId, status: from },
        data: {
          status: to,
          failureReason: change.failureReason ?? null,
          ...(priced ? { subtotalCents: priced.subtotalCents, totalCents: priced.totalCents } : {}),
        },
      });
      if (count === 0) return null;
      if (priced) {
        for (const item of priced.items) {
          await tx.orderItem.update({
            where: { orderId_productId: { orderId, productId: item.productId } },
            data: {
              unitPriceCents: item.unitPriceCents,
              discountBasisPoints: item.discountBasisPoints,
              lineTotalCents: item.lineTotalCents,
            },
          });
        }
      }
      return tx.orderStatusEvent.create({ data: { orderId, status: to, failureReason: change.failureReason ?? null } });
    });
  }
}
