import {
  BadUserInputError,
  canActFor,
  checkoutJobId,
  decodeCursor,
  encodeCursor,
  pageSize,
  type Caller,
  type CheckoutJob,
} from '@commerce/common';
import type { Queue } from 'bullmq';
import { Prisma, type OrderDb, type OrderItemRecord, type OrderStatusEventRecord } from '../db';
import type { CartClient } from './clients';
import type { OrderEventPublisher } from './order-events';
import { WITH_ITEMS, priceLines, type OrderWithItems } from './order.repository';

/** An order as the API shows it; status fields may be those of a past event. */
export type OrderView = OrderWithItems;

/** A line item as the API shows it: its money is in the order's currency. */
export type OrderItemView = OrderItemRecord & { currencyCode: string };

export interface OrderPage {
  edges: { cursor: string; node: OrderView }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const isCursor = (v: unknown): v is { id: string } => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string';

/** Orders: checkout (creation), reads, history. */
export class OrderService {
  constructor(
    private readonly db: OrderDb,
    private readonly carts: CartClient,
    private readonly checkoutQueue: Queue<CheckoutJob>,
    private readonly events: OrderEventPublisher,
  ) {}

  /**
   * Creates a PENDING order from the user's cart and queues its checkout job. Idempotency follows
   * Stripe (docs.stripe.com/idempotency): the key is scoped to the user, and a request repeating a
   * key gets the order the first request created, never a second one, also when the two race.
   * @throws BadUserInputError for an empty key or one longer than 255 characters.
   */
  async checkout(userId: number, idempotencyKey: string): Promise<OrderView> {
    if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new BadUserInputError(`idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, { field: 'idempotencyKey' });
    }
    const existing = await this.byKey(userId, idempotencyKey);
    if (existing) return this.enqueue(existing);

    const lines = await this.carts.linesOf(userId);
    const priced = priceLines(lines);
    let created: OrderView & { events: OrderStatusEventRecord[] };
    try {
      created = await this.db.order.create({
        data: {
          userId,
          idempotencyKey,
          subtotalCents: priced.subtotalCents,
          totalCents: priced.totalCents,
          currencyCode: lines[0]?.currencyCode ?? 'USD',
          items: { create: priced.items },
          events: { create: { status: 'PENDING' } },
        },
        include: { ...WITH_ITEMS, events: true },
      });
    } catch (err) {
      // A concurrent request with the same key won: return its order.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const winner = await this.byKey(userId, idempotencyKey);
        if (winner) return this.enqueue(winner);
      }
      throw err;
    }
    // The order, its items and its PENDING event were written in one statement; publish after it.
    const [pending] = created.events;
    if (pending) await this.events.published(pending, userId);
    return this.enqueue(created);
  }

  /** An order the caller may see (its owner, an admin, a service); null otherwise, so existence does not leak. */
  async orderFor(caller: Caller, id: string): Promise<OrderView | null> {
    const order = await this.db.order.findUnique({ where: { id }, include: WITH_ITEMS });
    return order && canActFor(caller, order.userId) ? order : null;
  }

  /** The order as it was at status event `eventId` (its status, failureReason and time). */
  async orderAtEvent(caller: Caller, eventId: string): Promise<OrderView | null> {
    const event = await this.db.orderStatusEvent.findUnique({ where: { id: eventId }, include: { order: { include: WITH_ITEMS } } });
    if (!event || !canActFor(caller, event.order.userId)) return null;
    return { ...event.order, status: event.status, failureReason: event.failureReason, updatedAt: event.createdAt };
  }

  /**
   * The user's orders, newest first, as a cursor connection. `first`: 0..100.
   * @throws BadUserInputError for a bad `first` or cursor.
   */
  async ordersOf(userId: number, args: { first?: number | null; after?: string | null }): Promise<OrderPage> {
    const take = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after, isCursor) : null;
    const rows = await this.db.order.findMany({
      where: { userId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      include: WITH_ITEMS,
      take: take + 1,
      ...(after ? { cursor: { id: after.id }, skip: 1 } : {}),
    });
    const edges = rows.slice(0, take).map((node) => ({ cursor: encodeCursor({ id: node.id }), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > take,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: () => this.db.order.count({ where: { userId } }),
    };
  }

  private byKey(userId: number, idempotencyKey: string) {
    return this.db.order.findUnique({
      where: { userId_idempotencyKey: { userId, idempotencyKey } },
      include: WITH_ITEMS,
    });
  }

  // The job id is derived from the order, so re-adding it after a crash or a retried request is a no-op.
  private async enqueue(order: OrderView): Promise<OrderView> {
    if (order.status === 'PENDING') {
      await this.checkoutQueue.add('checkout', { orderId: order.id }, { jobId: checkoutJobId(order.id) });
    }
    return order;
  }
}
