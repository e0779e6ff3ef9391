import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  BadUserInputError,
  assertPlainText,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidOrderStateError,
  NotFoundError,
  canActFor,
  connectionPage,
  cursorCodec,
  cursorKeys,
  hasRole,
  pageSize,
  type PageInfo,
  type Caller,
} from '@commerce/common';
import { Prisma, type OrderDb, type OrderItemRecord, type OrderStatus, type PaymentRecord } from '../db';
import type { CartClient, CartLine } from './clients';
import { mayTransition, type Actor } from './order-lifecycle';
import { WITH_ITEMS, priceLines, type OrderRepository, type OrderWithItems } from './order.repository';

/** An order as the API shows it; status fields may be those of a past event. */
export type OrderView = OrderWithItems;

/** A line item as the API shows it: its money is in the order's currency. */
export type OrderItemView = OrderItemRecord & { currencyCode: string };

export interface OrderPage {
  edges: { cursor: string; node: OrderView }[];
  pageInfo: PageInfo;
  totalCount: () => Promise<number>;
}

/** A checkout request: the idempotency key (1..255 characters) and the card token to charge. */
export interface CheckoutRequest {
  idempotencyKey: string;
  paymentToken?: string | null;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const DEFAULT_PAYMENT_TOKEN = 'tok_visa';
const PAYMENT_TOKEN = /^tok_[A-Za-z0-9_]{1,100}$/;
/** Position in a user's orders (createdAt DESC, id DESC): the order's id, a UUID. */
const orderCursor = cursorCodec(z.object({ id: cursorKeys.uuid() }));

/** sha256 over what a checkout request asks for: the cart's lines (sorted) and the card token. */
export function requestFingerprint(lines: readonly Pick<CartLine, 'productId' | 'quantity'>[], paymentToken: string): string {
  const canonical = [...lines].sort((a, b) => a.productId - b.productId).map((l) => [l.productId, l.quantity]);
  return createHash('sha256')
    .update(JSON.stringify({ lines: canonical, paymentToken }))
    .digest('hex');
}

/** Orders: checkout (creation), the lifecycle operations, reads, history. */
export class OrderService {
  constructor(
    private readonly db: OrderDb,
    private readonly carts: CartClient,
    private readonly repository: OrderRepository,
    private readonly committed: () => void,
  ) {}

  /**
   * Creates a PENDING order from the user's cart; its checkout job and PENDING event go to the
   * outbox in the same transaction. Idempotency follows Stripe (docs.stripe.com/idempotency): the
   * key is scoped to the user and kept with the order (so for as long as the order exists, at least
   * 24 hours); a request repeating a key gets the order the first request created, also when many
   * race; the same key with a different request (another cart, another card token) is refused.
   * The cart is consumed by a successful checkout, so a retry that finds it empty replays too.
   * @throws BadUserInputError for a key outside 1..255 characters or a malformed payment token.
   * @throws IdempotencyKeyReusedError when the key was used for a different request.
   */
  async checkout(userId: number, request: CheckoutRequest): Promise<OrderView> {
    const { idempotencyKey } = request;
    const paymentToken = request.paymentToken ?? DEFAULT_PAYMENT_TOKEN;
    assertPlainText(idempotencyKey, 'idempotencyKey', { max: MAX_IDEMPOTENCY_KEY_LENGTH });
    if (!PAYMENT_TOKEN.test(paymentToken)) {
      throw new BadUserInputError('paymentToken must look like tok_…', { field: 'paymentToken' });
    }
    const lines = await this.carts.linesOf(userId);
    const fingerprint = requestFingerprint(lines, paymentToken);
    const existing = await this.byKey(userId, idempotencyKey);
    if (existing) return this.replay(existing, lines, fingerprint, paymentToken);

    const priced = priceLines(lines);
    try {
      const created = await this.repository.create({
        userId,
        idempotencyKey,
        requestFingerprint: fingerprint,
        paymentToken,
        subtotalCents: priced.subtotalCents,
        totalCents: priced.totalCents,
        currencyCode: lines[0]?.currencyCode ?? 'USD',
        items: priced.items,
      });
      this.committed();
      return created;
    } catch (err) {
      // A concurrent request with the same key won: answer as a replay of it.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const winner = await this.byKey(userId, idempotencyKey);
        if (winner) return this.replay(winner, lines, fingerprint, paymentToken);
      }
      throw err;
    }
  }

  /**
   * Cancels a CONFIRMED order (its owner or an admin; not once shipped). The compensation job
   * written with it refunds the capture and releases the stock; the customer is notified.
   * @throws NotFoundError when the caller may not see the order.
   * @throws InvalidOrderStateError unless the order is CONFIRMED.
   */
  cancel(caller: Caller, id: string): Promise<OrderView> {
    return this.move(caller, id, 'CANCELLED');
  }

  /**
   * Marks a CONFIRMED order SHIPPED (admins only).
   * @throws ForbiddenError for anyone but an admin. @throws InvalidOrderStateError unless CONFIRMED.
   */
  ship(caller: Caller, id: string): Promise<OrderView> {
    return this.move(caller, id, 'SHIPPED');
  }

  /**
   * Marks a SHIPPED order DELIVERED (admins only).
   * @throws ForbiddenError for anyone but an admin. @throws InvalidOrderStateError unless SHIPPED.
   */
  deliver(caller: Caller, id: string): Promise<OrderView> {
    return this.move(caller, id, 'DELIVERED');
  }

  /** The order's payment, if the provider was reached. */
  paymentOf(orderId: string): Promise<PaymentRecord | null> {
    return this.db.payment.findUnique({ where: { orderId } });
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
    const after = args.after ? orderCursor.decode(args.after) : null;
    const rows = await this.db.order.findMany({
      where: { userId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      include: WITH_ITEMS,
      take: take + 1,
      ...(after ? { cursor: { id: after.id }, skip: 1 } : {}),
    });
    return {
      ...connectionPage(rows, take, after !== null, (node) => ({ cursor: orderCursor.encode({ id: node.id }), node })),
      totalCount: () => this.db.order.count({ where: { userId } }),
    };
  }

  private byKey(userId: number, idempotencyKey: string) {
    return this.db.order.findUnique({
      where: { userId_idempotencyKey: { userId, idempotencyKey } },
      include: WITH_ITEMS,
    });
  }

  private replay(order: OrderView, lines: readonly CartLine[], fingerprint: string, paymentToken: string): OrderView {
    const sameCart = lines.length === 0 || fingerprint === order.requestFingerprint;
    if (paymentToken !== order.paymentToken || !sameCart) throw new IdempotencyKeyReusedError();
    return order;
  }

  private async move(caller: Caller, id: string, to: OrderStatus): Promise<OrderView> {
    const order = await this.orderFor(caller, id);
    if (!order) throw new NotFoundError('Order', id);
    const actor: Actor | null = hasRole(caller, 'ADMIN')
      ? 'admin'
      : caller.kind === 'user' && caller.userId === order.userId
        ? 'owner'
        : null;
    const allowed = (a: Actor | null) => a !== null && mayTransition(order.status, to, a);
    if (!allowed(actor)) {
      // Illegal from this status for anyone → INVALID_ORDER_STATE; legal but not for this caller → FORBIDDEN.
      const legalForSomeone = (['owner', 'admin', 'system'] as const).some((a) => mayTransition(order.status, to, a));
      if (legalForSomeone) throw new ForbiddenError(`Only an admin may mark an order ${to}`);
      throw new InvalidOrderStateError(order.id, order.status, to);
    }
    const moved = await this.repository.transition(order.id, order.status, to);
    if (!moved) {
      const now = await this.repository.find(order.id);
      throw new InvalidOrderStateError(order.id, now?.status ?? 'gone', to);
    }
    this.committed();
    return moved;
  }
}
