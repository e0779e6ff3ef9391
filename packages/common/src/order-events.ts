import { EventEmitter, on } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

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
}

export const orderEventsChannel = (prefix: string) => `${prefix}:events:order-status`;

/** Publishes an event to every gateway instance. */
export async function publishOrderStatusEvent(redis: Redis, prefix: string, event: OrderStatusEvent): Promise<void> {
  await redis.publish(orderEventsChannel(prefix), JSON.stringify(event));
}

/**
 * Fans one Redis subscription out to any number of in-process listeners. One Redis connection per
 * process, however many clients are subscribed.
 */
export class OrderEventHub {
  private readonly emitter = new EventEmitter();
  private started: Promise<unknown> | undefined;

  constructor(
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Subscribes to the channel; resolves once Redis has confirmed the subscription. */
  start(): Promise<unknown> {
    this.started ??= (async () => {
      this.subscriber.on('message', (channel: string, message: string) => {
        if (channel !== orderEventsChannel(this.prefix)) return;
        try {
          this.emitter.emit('event', JSON.parse(message) as OrderStatusEvent);
        } catch (err) {
          this.logger.warn({ err, message }, 'dropped malformed order event');
        }
      });
      await this.subscriber.subscribe(orderEventsChannel(this.prefix));
    })();
    return this.started;
  }

  /**
   * Events for which `accept` is true, until `signal` aborts. Listening starts on this call, not
   * on the first `next()`, so nothing published in between is missed; call `start()` first.
   */
  events(accept: (event: OrderStatusEvent) => boolean, signal: AbortSignal): AsyncGenerator<OrderStatusEvent> {
    const incoming = on(this.emitter, 'event', { signal }) as AsyncIterableIterator<[OrderStatusEvent]>;
    return (async function* () {
      try {
        for await (const [event] of incoming) {
          if (accept(event)) yield event;
        }
      } catch (err) {
        if (!signal.aborted) throw err;
      }
    })();
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await this.subscriber.quit().catch(() => undefined);
  }
}
