import { createHash } from 'node:crypto';
import {
  BadUserInputError,
  CouponError,
  assertPlainText,
  ForbiddenError,
  IdempotencyKeyReusedError,
  isUniqueViolation,
  InvalidOrderStateError,
  NotFoundError,
  canActFor,
  connectionPage,
  hasRole,
  pageSize,
  requireAdmin,
  requireSelfOrAdmin,
  requireUser,
  type PageInfo,
  quote,
  type AddressInput,
  type Caller,
} from '@commerce/common';
import {
  Prisma,
  type Carrier,
  type OrderItemRecord,
  type OrderStatus,
  type OrderWithItems,
  type PaymentRecord,
  type ShippingMethod,
} from '../db';
import type { CartClient, CartLine, ProductClient, ShippingAddress } from './clients';
import { snapshotOf as couponSnapshotOf, termsOf, type CouponService } from './coupons';
import { actorOf } from './order-history';
import { mayTransition, type Actor } from './order-lifecycle';
import { afterCursor, cursorOf, orderByOf, whereOf, type OrderFilter, type OrderSort } from './order-listing';
import { itemsOf, quoteLineOf, snapshotOf } from './order-pricing';
import { totalsOf, type OrderRepository, type RowChange } from './order.repository';
import type { ShippingRates } from './rates';
import type { ShippingAddresses } from './shipping-address';
import { trackingOf } from './tracking';

/** An order as the API shows it; status fields may be those of a past event. */
export type OrderView = OrderWithItems;

/** A line item as the API shows it: its money is in the order's currency. */
export type OrderItemView = OrderItemRecord & { currencyCode: string };

export interface OrderPage {
  edges: { cursor: string; node: OrderView }[];
  pageInfo: PageInfo;
  totalCount: () => Promise<number>;
}

/**
 * A checkout request: the idempotency key (1..255 characters), the card token to charge, and where
 * and how it ships (a saved address id or an inline address, not both; a method).
 */
export interface CheckoutRequest {
  idempotencyKey: string;
  paymentToken?: string | null;
  shippingAddressId?: string | null;
  shippingAddress?: AddressInput | null;
  shippingMethod?: ShippingMethod | null;
}

/** The shipping part of a request as the fingerprint sees it. */
interface ShippingRequest {
  addressId: string | null;
  address: ShippingAddress | null;
  method: ShippingMethod | null;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const DEFAULT_PAYMENT_TOKEN = 'tok_visa';
const PAYMENT_TOKEN = /^tok_[A-Za-z0-9_]{1,100}$/;

/**
 * sha256 over what a checkout request asks for: the cart's lines (sorted), its coupon, the card
 * token and the shipping input (saved address id or normalized inline address, method).
 */
export function requestFingerprint(request: {
  lines: readonly Pick<CartLine, 'productId' | 'quantity'>[];
  couponCode: string | null;
  paymentToken: string;
  shipping: ShippingRequest;
}): string {
  const canonical = [...request.lines].sort((a, b) => a.productId - b.productId).map((l) => [l.productId, l.quantity]);
  return createHash('sha256')
    .update(
      JSON.stringify({ lines: canonical, coupon: request.couponCode, paymentToken: request.paymentToken, shipping: request.shipping }),
    )
    .digest('hex');
}

/** What OrderService works with. */
export interface OrderServiceDeps {
  repository: OrderRepository;
  carts: CartClient;
  products: ProductClient;
  coupons: CouponService;
  rates: ShippingRates;
  addresses: ShippingAddresses;
  committed: () => void;
}

/** Arguments of an order listing: filter, sort (default newest first), page size 0..100 and cursor. */
export interface OrderListArgs {
  filter?: OrderFilter | null;
  sort?: OrderSort | null;
  first?: number | null;
  after?: string | null;
}

/** Longest reason a timeline keeps (characters). */
const MAX_REASON_LENGTH = 500;

/** Orders: checkout (creation), the lifecycle operations, reads, history. */
export class OrderService {
  private readonly repository: OrderRepository;

  constructor(private readonly deps: OrderServiceDeps) {
    this.repository = deps.repository;
  }

  /**
   * Creates a PENDING order from the user's cart, priced by the pricing module (coupon, shipping,
   * tax) with a snapshot of address, method, rate, coupon and estimate; its checkout job and
   * PENDING event go to the outbox in the same statement, and the customer's email as the caller's
   * access token states it (the saga reads it otherwise). Idempotency follows Stripe
   * (docs.stripe.com/idempotency): the key is scoped to the user and kept with the order; a request
   * repeating a key gets the order the first request created, also when many race; the same key
   * with a different request (cart, coupon, card token, address or method) is refused. The cart is
   * consumed by a successful checkout, so a retry that finds it empty replays too.
   * The coupon's usage limits are taken by the saga's first step (FAILED with COUPON_USAGE_LIMIT).
   * @throws BadUserInputError for a key outside 1..255 characters, a malformed payment token, both
   *   address inputs, an invalid inline address (field named), or a method without any address.
   * @throws NotFoundError for a shippingAddressId that is not the user's.
   * @throws CouponError when the cart's coupon no longer applies (COUPON_EXPIRED, _NOT_ELIGIBLE, _MIN_SUBTOTAL).
   * @throws IdempotencyKeyReusedError when the key was used for a different request.
   * @throws UnauthenticatedError when signed out.
   */
  async checkout(signedIn: Caller, request: CheckoutRequest): Promise<OrderView> {
    const caller = requireUser(signedIn);
    const { userId } = caller;
    const { idempotencyKey } = request;
    const paymentToken = request.paymentToken ?? DEFAULT_PAYMENT_TOKEN;
    assertPlainText(idempotencyKey, 'idempotencyKey', { max: MAX_IDEMPOTENCY_KEY_LENGTH });
    if (!PAYMENT_TOKEN.test(paymentToken)) {
      throw new BadUserInputError('paymentToken must look like tok_…', { field: 'paymentToken' });
    }
    const inline = this.deps.addresses.inline(request);
    const ships = Boolean(request.shippingAddressId || inline || request.shippingMethod);
    const shipping: ShippingRequest = {
      addressId: request.shippingAddressId ?? null,
      address: inline,
      method: ships ? (request.shippingMethod ?? 'STANDARD') : null,
    };
    const { cartId, lines } = await this.deps.carts.cartOf(userId);
    const coupon = cartId ? await this.deps.coupons.appliedTo(cartId) : null;
    const fingerprint = requestFingerprint({ lines, couponCode: coupon?.code ?? null, paymentToken, shipping });
    const existing = await this.repository.findByKey(userId, idempotencyKey);
    if (existing) return this.replay(existing, lines.length === 0, fingerprint, paymentToken, shipping);

    const address = shipping.addressId
      ? await this.deps.addresses.saved(userId, shipping.addressId)
      : (inline ?? (ships ? await this.deps.addresses.default(userId) : null));
    // Product shipping data is only needed to ship or to judge a coupon (the legacy path skips the call).
    const data = address || coupon ? await this.deps.products.shippingDataOf(lines.map((l) => l.productId)) : new Map();
    const quoteLines = lines.map((l) => quoteLineOf(l, data.get(l.productId)));
    const now = new Date();
    const terms = coupon ? termsOf(coupon) : null;
    const q = quote({
      lines: quoteLines,
      destination: address,
      method: shipping.method ?? 'STANDARD',
      rates: address ? await this.deps.rates.list() : [],
      coupon: terms,
      now,
    });
    if (q.coupon?.problem) throw new CouponError(q.coupon.problem, q.coupon.code);
    try {
      const created = await this.repository.create(
        {
          userId,
          idempotencyKey,
          requestFingerprint: fingerprint,
          paymentToken,
          cartId,
          // As the caller's access token states it; the saga reads it from the user subgraph otherwise.
          customerEmail: caller.email ?? null,
          currencyCode: lines[0]?.currencyCode ?? 'USD',
          ...totalsOf(q),
          ...snapshotOf(q, address, terms ? couponSnapshotOf(terms) : null),
          items: itemsOf(q, quoteLines),
        },
        actorOf(caller),
      );
      this.deps.committed();
      return created;
    } catch (err) {
      // A concurrent request with the same key won: answer as a replay of it.
      if (isUniqueViolation(err)) {
        const winner = await this.repository.findByKey(userId, idempotencyKey);
        if (winner) return this.replay(winner, lines.length === 0, fingerprint, paymentToken, shipping);
      }
      throw err;
    }
  }

  /**
   * Cancels a CONFIRMED order (its owner or an admin; not once shipped). The compensation job
   * written with it refunds the capture, releases the stock and gives the coupon back; the customer is notified.
   * `reason` (optional, plain text up to 500 characters) goes to the timeline.
   * @throws NotFoundError when the caller may not see the order.
   * @throws InvalidOrderStateError unless the order is CONFIRMED.
   * @throws BadUserInputError for a reason that is not plain text or too long.
   * @throws UnauthenticatedError when signed out.
   */
  cancel(caller: Caller, id: string, reason?: string | null): Promise<OrderView> {
    requireUser(caller);
    if (reason != null) assertPlainText(reason, 'reason', { max: MAX_REASON_LENGTH });
    return this.move(caller, id, 'CANCELLED', () => (reason != null ? { reason } : {}));
  }

  /**
   * Marks a CONFIRMED order SHIPPED (admins only) with its shipment: the carrier, the tracking number
   * (spaces and dashes dropped, upper case, checked loosely against the carrier's formats) and the
   * tracking URL from the carrier's template. The SHIPPED email carries the link.
   * @throws UnauthenticatedError when signed out; ForbiddenError for anyone but an admin. @throws InvalidOrderStateError unless CONFIRMED.
   * @throws BadUserInputError (`field: "trackingNumber"`) for a number the carrier does not issue.
   */
  ship(caller: Caller, id: string, carrier: Carrier, trackingNumber: string): Promise<OrderView> {
    requireUser(caller);
    return this.move(caller, id, 'SHIPPED', () => ({ tracking: trackingOf(carrier, trackingNumber) }));
  }

  /**
   * Marks a SHIPPED order DELIVERED (admins only).
   * @throws UnauthenticatedError when signed out; ForbiddenError for anyone but an admin. @throws InvalidOrderStateError unless SHIPPED.
   */
  deliver(caller: Caller, id: string): Promise<OrderView> {
    requireUser(caller);
    return this.move(caller, id, 'DELIVERED');
  }

  /** The order's payment, if the provider was reached. */
  paymentOf(orderId: string): Promise<PaymentRecord | null> {
    return this.repository.paymentOf(orderId);
  }

  /** An order the caller may see (its owner, an admin, a service); null otherwise, so existence does not leak. */
  async orderFor(caller: Caller, id: string): Promise<OrderView | null> {
    const order = await this.repository.find(id);
    return order && canActFor(caller, order.userId) ? order : null;
  }

  /**
   * The order as it was at status event `eventId` (its status, failureReason and time); the shipment
   * shows only from the SHIPPED event on, as it was not known before.
   */
  async orderAtEvent(caller: Caller, eventId: string): Promise<OrderView | null> {
    const event = await this.repository.findEvent(eventId);
    if (!event || !canActFor(caller, event.order.userId)) return null;
    const shipped = event.status === 'SHIPPED' || event.status === 'DELIVERED';
    return {
      ...event.order,
      status: event.status,
      failureReason: event.failureReason,
      updatedAt: event.createdAt,
      ...(shipped ? {} : { carrier: null, trackingNumber: null, trackingUrl: null, shippedAt: null }),
      ...(event.status === 'DELIVERED' ? {} : { deliveredAt: null }),
    };
  }

  /**
   * User.orders: the user's orders (for the user, an admin or a service) as a cursor connection,
   * filtered and sorted like {@link list}.
   * @throws ForbiddenError ('You may only read your own orders') for anyone else; BadUserInputError for a bad `first`, filter or cursor.
   */
  ordersOf(caller: Caller, userId: number, args: OrderListArgs): Promise<OrderPage> {
    requireSelfOrAdmin(caller, userId, 'You may only read your own orders');
    return this.page(whereOf(args.filter, userId), args);
  }

  /**
   * ADMIN: every order, filtered (status, customer email as stored at checkout, creation time, total
   * in cents) and sorted (CREATED_AT_DESC by default; TOTAL_ASC/DESC; ties by id), keyset-paged:
   * paging through visits each matching order exactly once. A page is a constant number of SQL
   * statements (orders, their items, their payments; the count only when asked for).
   * @throws UnauthenticatedError / ForbiddenError for anyone but an admin.
   * @throws BadUserInputError for a bad `first`, filter or cursor (another sort's cursor included).
   */
  list(caller: Caller, args: OrderListArgs): Promise<OrderPage> {
    requireAdmin(caller, 'Only an admin may list every order');
    return this.page(whereOf(args.filter), args);
  }

  private async page(where: Prisma.OrderWhereInput, args: OrderListArgs): Promise<OrderPage> {
    const sort = args.sort ?? 'CREATED_AT_DESC';
    const take = pageSize(args.first);
    const after = args.after ? afterCursor(sort, args.after) : null;
    const rows = await this.repository.list(after ? { AND: [where, after] } : where, orderByOf(sort), take + 1);
    return {
      ...connectionPage(rows, take, after !== null, (node) => ({ cursor: cursorOf(sort, node), node })),
      totalCount: () => this.repository.count(where),
    };
  }

  // With the cart consumed, the request is compared as if it still held the order's own lines and coupon.
  private replay(order: OrderView, cartEmpty: boolean, fingerprint: string, paymentToken: string, shipping: ShippingRequest): OrderView {
    const expected = cartEmpty
      ? requestFingerprint({ lines: order.items, couponCode: order.couponCode, paymentToken, shipping })
      : fingerprint;
    if (expected !== order.requestFingerprint) throw new IdempotencyKeyReusedError();
    return order;
  }

  // `change` is built only once the caller may make the move: who may not learns nothing from validation.
  private async move(caller: Caller, id: string, to: OrderStatus, change: () => Omit<RowChange, 'actor'> = () => ({})): Promise<OrderView> {
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
    const moved = await this.repository.transition(order, to, { ...change(), actor: actorOf(caller) });
    if (!moved) {
      const now = await this.repository.find(order.id);
      throw new InvalidOrderStateError(order.id, now?.status ?? 'gone', to);
    }
    this.deps.committed();
    return moved;
  }
}
