import { eventually } from './eventually';
import type { Stack } from './stack';

/**
 * Reads straight from a stack's databases and queues, for assertions about orders: what the
 * payment provider recorded, stock levels, and waiting for asynchronous outcomes.
 */
export function orderProbes(stack: Stack) {
  const db = stack.db;
  /** A product's stock level. */
  const stockOf = async (productId: number) => (await db.product.product.findUniqueOrThrow({ where: { id: productId } })).stock;
  /** The simulated provider's operations for one order, in order (AUTHORIZE, CAPTURE, VOID, REFUND). */
  const ledger = async (orderId: string) =>
    (
      await db.order.simulatedPaymentOperation.findMany({
        where: { intent: { idempotencyKey: `authorize-${orderId}` } },
        orderBy: { createdAt: 'asc' },
      })
    ).map((op) => op.kind);
  /** The order with its payment, once it is no longer PENDING. */
  const settled = (orderId: string) =>
    eventually(async () => {
      const o = await db.order.order.findUniqueOrThrow({ where: { id: orderId }, include: { payment: true } });
      return o.status === 'PENDING' ? undefined : o;
    }, `order ${orderId} to settle`);
  /** Waits until none of `ids` is PENDING (one query per poll, however many orders). */
  const allSettled = async (ids: string[]) => {
    await eventually(
      async () => ((await db.order.order.count({ where: { id: { in: ids }, status: 'PENDING' } })) === 0 ? true : undefined),
      `${ids.length} orders to settle`,
      120_000,
    );
    return db.order.order.findMany({ where: { id: { in: ids } }, include: { payment: true } });
  };
  /** Waits until the compensation of a FAILED/CANCELLED order has released its reservation (or none was made). */
  const released = (orderId: string) =>
    eventually(async () => {
      const r = await db.product.stockReservation.findUnique({ where: { orderId } });
      return !r || r.status === 'RELEASED' ? true : undefined;
    }, `reservation of ${orderId} released`);
  /** The outbox message of the order's checkout job; its id is the BullMQ job id. */
  const checkoutMessage = async (orderId: string) =>
    (await db.order.outboxMessage.findFirst({
      where: { queue: 'checkout', name: 'checkout', payload: { path: ['orderId'], equals: orderId } },
    }))!;
  /** The order's checkout job in BullMQ, if Redis still has it. */
  const checkoutJob = async (orderId: string) => stack.orderServices.queues.checkout.getJob((await checkoutMessage(orderId)).id);
  return { stockOf, ledger, settled, allSettled, released, checkoutMessage, checkoutJob };
}

export type OrderProbes = ReturnType<typeof orderProbes>;
