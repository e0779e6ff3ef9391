import { publishOrderStatusEvent, type Logger, type Redis } from '@commerce/common';
import type { OrderStatusEventRecord } from '../db';

/** Publishes committed status changes to Redis pub/sub, where every gateway instance listens. */
export class OrderEventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** Call only after the transaction that wrote `event` has committed. */
  async published(event: OrderStatusEventRecord, userId: number): Promise<void> {
    try {
      await publishOrderStatusEvent(this.redis, this.prefix, {
        eventId: event.id,
        orderId: event.orderId,
        userId,
        status: event.status,
        occurredAt: event.createdAt.toISOString(),
      });
    } catch (err) {
      // The order's state is committed either way; subscribers will see the next event.
      this.logger.error({ err, orderId: event.orderId }, 'could not publish order event');
    }
  }
}
