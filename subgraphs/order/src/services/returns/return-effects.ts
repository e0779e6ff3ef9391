import { QueueName, type ReturnNotificationKind } from '@commerce/common';
import type { OrderWithItems } from '../../db';
import type { OutboxEntry } from '../outbox';
import type { ReturnRefund } from './refund-amounts';
import type { RefundView } from './return-views';

/**
 * The email of a return step, as an outbox entry: the returned lines with their refund share
 * (units' amount after coupon plus their tax), the refund as the total. `status` is
 * `<kind>:<returnId>`, the user subgraph's key for sending it once.
 */
export function returnNotification(
  kind: ReturnNotificationKind,
  order: OrderWithItems,
  returnId: string,
  refund: ReturnRefund,
  note: string | null,
): OutboxEntry {
  const titles = new Map(order.items.map((i) => [i.productId, i.title || `Product ${i.productId}`]));
  return {
    queue: QueueName.notifications,
    name: kind,
    payload: {
      kind,
      orderId: order.id,
      userId: order.userId,
      status: `${kind}:${returnId}`,
      failureReason: null,
      totalCents: refund.totalCents,
      currencyCode: order.currencyCode,
      refundCents: refund.totalCents,
      note,
      lines: refund.lines.map((l) => ({
        productId: l.productId,
        title: titles.get(l.productId) ?? `Product ${l.productId}`,
        quantity: l.quantity,
        lineTotalCents: l.amountCents + l.taxCents,
      })),
    },
  };
}

/** The refund job of a PENDING refund. */
export const refundEntry = (refund: Pick<RefundView, 'id' | 'orderId'>): OutboxEntry => ({
  queue: QueueName.checkout,
  name: 'refund',
  payload: { orderId: refund.orderId, refundId: refund.id },
});

/** The email of a refund the provider made: the amount; the admin's reason for an admin refund. */
export function refundIssued(order: Pick<OrderWithItems, 'id' | 'userId' | 'currencyCode'>, refund: RefundView): OutboxEntry {
  return {
    queue: QueueName.notifications,
    name: 'REFUND_ISSUED',
    payload: {
      kind: 'REFUND_ISSUED',
      orderId: order.id,
      userId: order.userId,
      status: `REFUND_ISSUED:${refund.id}`,
      failureReason: null,
      totalCents: refund.amountCents,
      currencyCode: refund.currencyCode,
      refundCents: refund.amountCents,
      note: refund.returnId ? null : refund.reason,
      lines: [],
    },
  };
}
