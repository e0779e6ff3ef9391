import { QueueName, type NotificationTracking, type OrderNotificationJob, type PurchaseJob } from '@commerce/common';
import type { OrderStatus, OrderStatusEventRecord, OrderWithItems } from '../db';
import { isCompensated } from './order-lifecycle';
import { CheckoutJobName, EVENTS, type OutboxEntry } from './outbox';

/** The email/webhook kind for each status a customer hears about; PENDING sends nothing. */
const NOTIFICATION: Partial<Record<OrderStatus, OrderNotificationJob['kind']>> = {
  CONFIRMED: 'ORDER_CONFIRMED',
  FAILED: 'ORDER_FAILED',
  CANCELLED: 'ORDER_CANCELLED',
  SHIPPED: 'ORDER_SHIPPED',
  DELIVERED: 'ORDER_DELIVERED',
};

/** The order's shipment for a notification, once it has one. */
const trackingOfOrder = (order: OrderWithItems): NotificationTracking | null =>
  order.carrier && order.trackingNumber && order.trackingUrl
    ? { carrier: order.carrier, trackingNumber: order.trackingNumber, trackingUrl: order.trackingUrl }
    : null;

/** Statuses whose purchases the review subgraph learns (verified-purchase reviews). */
const PURCHASE: Partial<Record<OrderStatus, PurchaseJob['status']>> = { CONFIRMED: 'CONFIRMED', CANCELLED: 'CANCELLED' };

/**
 * What entering `event.status` causes, as outbox entries written in the same transaction:
 * the subscription event always; for a new order its checkout job; the email/webhook
 * notification; the purchase for the review subgraph; the compensation job.
 */
export function effectsOf(order: OrderWithItems, event: OrderStatusEventRecord): OutboxEntry[] {
  const entries: OutboxEntry[] = [
    {
      queue: EVENTS,
      name: 'order-status',
      payload: {
        eventId: event.id,
        orderId: order.id,
        userId: order.userId,
        status: event.status,
        occurredAt: event.createdAt.toISOString(),
      },
    },
  ];
  if (event.status === 'PENDING') {
    entries.push({ queue: QueueName.checkout, name: CheckoutJobName.checkout, payload: { orderId: order.id } });
  }
  const kind = NOTIFICATION[event.status];
  if (kind) {
    entries.push({
      queue: QueueName.notifications,
      name: kind,
      payload: {
        kind,
        orderId: order.id,
        userId: order.userId,
        status: event.status,
        failureReason: event.failureReason,
        totalCents: order.totalCents,
        currencyCode: order.currencyCode,
        lines: order.items.map((i) => ({
          productId: i.productId,
          title: i.title || `Product ${i.productId}`,
          quantity: i.quantity,
          lineTotalCents: i.lineTotalCents,
        })),
        tracking: trackingOfOrder(order),
      },
    });
  }
  const purchase = PURCHASE[event.status];
  if (purchase) {
    entries.push({
      queue: QueueName.purchases,
      name: 'purchase',
      payload: { orderId: order.id, userId: order.userId, productIds: order.items.map((i) => i.productId), status: purchase },
    });
  }
  if (isCompensated(event.status)) {
    entries.push({ queue: QueueName.checkout, name: CheckoutJobName.compensate, payload: { orderId: order.id } });
  }
  return entries;
}
