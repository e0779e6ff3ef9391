import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Called with each parsed message of a channel; must not block (queue the work elsewhere). */
export type ChannelListener<T> = (event: T) => void;

/**
 * Fans Redis pub/sub channels out to any number of in-process listeners: one subscriber
 * connection per process, however many clients listen and on however many channels
 * (order status events, product stock events, …). Listeners are called synchronously, so one
 * slow consumer cannot hold up the others; each listener buffers for itself.
 */
export class RedisEventHub {
  private readonly listeners = new Map<string, Set<ChannelListener<unknown>>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private attached = false;

  /** `subscriber`: a connection of its own; it is put in subscriber mode and quit by close(). */
  constructor(
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds `listener` to `channel` at once (so nothing published after this call is missed once
   * Redis confirms the channel) and resolves when Redis has confirmed the subscription.
   * Returns the function that removes the listener. Malformed JSON messages are logged and dropped.
   */
  async listen<T>(channel: string, listener: ChannelListener<T>): Promise<() => void> {
    this.attach();
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener as ChannelListener<unknown>);
    const remove = () => void set.delete(listener as ChannelListener<unknown>);
    try {
      await this.subscribeOnce(channel);
    } catch (err) {
      remove();
      throw err;
    }
    return remove;
  }

  /** Subscribes to `channel` ahead of the first listener (e.g. at start-up, to fail fast). */
  async prepare(...channels: string[]): Promise<void> {
    this.attach();
    await Promise.all(channels.map((c) => this.subscribeOnce(c)));
  }

  /** Number of listeners on `channel` (for metrics and tests). */
  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.quit().catch(() => undefined);
  }

  private subscribeOnce(channel: string): Promise<unknown> {
    let done = this.subscribed.get(channel);
    if (!done) {
      done = this.subscriber.subscribe(channel);
      this.subscribed.set(channel, done);
      // A failed SUBSCRIBE is retried by the next listener rather than cached forever.
      done.catch(() => this.subscribed.delete(channel));
    }
    return done;
  }

  private attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.subscriber.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set || set.size === 0) return;
      let event: unknown;
      try {
        event = JSON.parse(message);
      } catch (err) {
        this.logger.warn({ err, channel, message }, 'dropped malformed event');
        return;
      }
      for (const listener of set) {
        try {
          listener(event);
        } catch (err) {
          this.logger.error({ err, channel }, 'event listener failed');
        }
      }
    });
  }
}
