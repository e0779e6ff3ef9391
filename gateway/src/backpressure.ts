import { slowConsumerCloses, type Transport } from './metrics';

/**
 * Close code for a consumer that does not keep up: RFC 6455 §7.4.2 / IANA registry 1013
 * "Try Again Later". graphql-ws clients retry on it (it is not one of the protocol's fatal 44xx
 * codes), and a client that reconnects with an `orderId` gets the latest state first.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;

/** Close code on graceful shutdown: RFC 6455 §7.4.1 1001 "Going Away" (what graphql-ws sends). */
export const GOING_AWAY_CLOSE_CODE = 1001;

/**
 * The bounded buffer of one client connection (a WebSocket, or one SSE response): it counts
 * events that were accepted for the client's subscriptions but have not been handed to the
 * socket yet (waiting for their query, or behind a send the client has not read). When more
 * than `limit` are pending the client is too slow; the connection is closed through `overflow`
 * (once), its subscriptions end, and no one else waits for it: every subscription has its own
 * queue and the hub never blocks on a listener.
 */
export class ConnectionBuffer {
  private pending = 0;
  private overflowed = false;

  constructor(
    /** Most events that may wait for this connection; default 256 (GatewayOptions.maxPendingEvents). */
    readonly limit: number,
    private readonly overflow: (reason: string) => void,
    /** The transport of the connection, for metrics. */
    readonly transport: Transport,
  ) {}

  /** True once the connection was closed for being slow: drop whatever still arrives. */
  get closed(): boolean {
    return this.overflowed;
  }

  /** Counts one more pending event; false (and the connection closed) when that exceeds the limit. */
  add(): boolean {
    if (this.overflowed) return false;
    this.pending += 1;
    if (this.pending <= this.limit) return true;
    this.overflowed = true;
    slowConsumerCloses().inc({ transport: this.transport });
    this.overflow(`slow consumer: more than ${this.limit} undelivered events`);
    return false;
  }

  /** One pending event was handed to the socket (or dropped). */
  delivered(count = 1): void {
    this.pending = Math.max(0, this.pending - count);
  }

  get size(): number {
    return this.pending;
  }
}

/**
 * A push queue read as an async iterator, charged to a connection's buffer: `push` never blocks
 * (the Redis hub calls it synchronously for every listener); each item stays charged until the
 * consumer comes back for the next one, i.e. after the previous result went out.
 */
export class BufferedQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private charged = 0;

  constructor(
    private readonly buffer: ConnectionBuffer,
    /** Called with each queued item that end() drops without it being read. */
    private readonly dropped: (item: T) => void = () => undefined,
  ) {}

  /** Queues `item`; false when it was not accepted (the queue ended, or the connection is too slow). */
  push(item: T): boolean {
    if (this.ended || !this.buffer.add()) return false;
    this.charged += 1;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
    return true;
  }

  /** Ends the iteration; whatever is queued is dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const item of this.items.splice(0)) this.dropped(item);
    this.buffer.delivered(this.charged);
    this.charged = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  /** Marks the item last returned by next() as sent. */
  settle(): void {
    if (this.charged === 0) return;
    this.charged -= 1;
    this.buffer.delivered();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.ended || this.buffer.closed) return Promise.resolve({ value: undefined, done: true });
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
