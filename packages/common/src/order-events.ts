import type { Redis } from 'ioredis';
import type { TraceCarrier } from './telemetry';

/**
 * An order changed status. Published on Redis pub/sub after the transaction that changed it has
 * committed; `eventId` names the row of the order's status history that shows the order as it
 * was at that moment (Query.orderStatusEvent), so a late reader never sees a newer state.
 */
export interface OrderStatusEvent {
  eventId: string;
  orderId: string;
  userId: number;
  status: string;
  occurredAt: string;
  /**
   * Trace context of the change (absent when it was not traced): the gateway delivers the event
   * to subscribers in a span of that trace.
   */
  trace?: TraceCarrier;
}

export const orderEventsChannel = (prefix: string) => `${prefix}:events:order-status`;

/** Publishes an event to every gateway instance. */
export async function publishOrderStatusEvent(redis: Redis, prefix: string, event: OrderStatusEvent): Promise<void> {
  await redis.publish(orderEventsChannel(prefix), JSON.stringify(event));
}
