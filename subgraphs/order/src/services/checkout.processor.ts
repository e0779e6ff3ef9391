import { ServiceCallError, inSpan, type Logger } from '@commerce/common';
import type { OrderWithItems } from '../db';
import type { CartClient, InventoryClient, UserClient } from './clients';
import type { CouponService } from './coupons';
import { FailureReason, isCompensated } from './order-lifecycle';
import { repriceOrder } from './order-pricing';
import type { OrderRepository, PaymentChange } from './order.repository';
import { PaymentDeclinedError, PaymentStateError, PaymentTimeoutError, type PaymentIntent, type PaymentProvider } from './payments';

/** A step failed for a reason retrying will not fix. */
export class PermanentCheckoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentCheckoutError';
  }
}

/** Idempotency keys of the payment calls of one order: a retried step repeats its key. */
export const paymentKeys = (orderId: string) => ({
  authorize: `authorize-${orderId}`,
  capture: `capture-${orderId}`,
  void: `void-${orderId}`,
  refund: `refund-${orderId}`,
});

/**
 * The checkout saga of one PENDING order, run by the checkout worker:
 *
 *   take the coupon's redemption → reserve stock (product subgraph) → re-price with the reserved
 *   prices → authorize the grand total → take the lines (and the coupon) out of the cart
 *   (cart subgraph) → capture → CONFIRMED (with notification and purchase, via the outbox)
 *
 * Each step is idempotent by the order id (redemptions and reservations by order id, payment
 * calls by idempotency key, cart removal by order id), so a retried or resumed job never redeems,
 * reserves, authorizes or captures twice. A coupon whose limits are reached fails the order with
 * COUPON_USAGE_LIMIT before anything else is taken. A failure ends in FAILED with a `failureReason`; entering FAILED
 * (like CANCELLED) writes a compensation job to the outbox, which voids or refunds the payment,
 * releases the stock and gives the coupon redemption back ({@link compensate}). So the only final states are (CONFIRMED, stock
 * taken, payment captured) and (FAILED, stock restored, nothing captured).
 */
export class CheckoutProcessor {
  constructor(
    private readonly orders: OrderRepository,
    private readonly inventory: InventoryClient,
    private readonly carts: CartClient,
    private readonly coupons: CouponService,
    private readonly payments: PaymentProvider,
    private readonly committed: () => void,
    private readonly logger: Logger,
    /** (issue 11.6) Where the customer's email is read, for order management's filter. */
    private readonly users: Pick<UserClient, 'emailOf'>,
  ) {}

  /**
   * Runs the saga of `orderId`; a no-op for an order that is no longer PENDING. Traced as a
   * `checkout.saga` span with one child span per step (`checkout.reserve-stock`, …).
   * @throws PermanentCheckoutError for an unknown order; retryable errors (network, timeouts) as they are.
   */
  async process(orderId: string): Promise<void> {
    return inSpan('checkout.saga', () => this.runSaga(orderId), { attributes: { 'commerce.order.id': orderId } });
  }

  private async runSaga(orderId: string): Promise<void> {
    const order = await this.orders.find(orderId);
    if (!order) throw new PermanentCheckoutError(`order ${orderId} does not exist`);
    if (order.status !== 'PENDING') return;
    // Orders placed with a token that carries the email have it already. Otherwise it is read here
    // rather than in the checkout request (a retried step, off the request's path) and kept with the
    // order by the transition that ends the saga (one statement fewer than a write of its own).
    const customerEmail = order.customerEmail ?? (await this.users.emailOf(order.userId));
    const fail = (reason: string, payment?: PaymentChange) => this.fail(order, reason, payment, customerEmail);
    if (order.items.length === 0) return fail(FailureReason.EMPTY_CART);
    const couponCode = order.couponCode;
    if (couponCode && !(await step('redeem-coupon', () => this.coupons.redeem(order.id, couponCode, order.userId)))) {
      return fail(FailureReason.COUPON_USAGE_LIMIT);
    }

    const lines = order.items.map((i) => ({ productId: i.productId, quantity: i.quantity }));
    const reservation = await step('reserve-stock', () => this.inventory.reserve(order.id, lines));
    if (!reservation.ok) {
      return fail(reservation.failureReason === 'NOT_FOUND' ? FailureReason.PRODUCT_NOT_FOUND : FailureReason.OUT_OF_STOCK);
    }
    const priced = repriceOrder(order, reservation.lines);
    const totalCents = priced.quote.total;
    if (await this.abandoned(order.id)) return;

    const keys = paymentKeys(order.id);
    let intent: PaymentIntent;
    try {
      intent = await step('authorize-payment', () =>
        this.payments.authorize({
          idempotencyKey: keys.authorize,
          token: order.paymentToken,
          amountCents: totalCents,
          currencyCode: order.currencyCode,
          description: `Order ${order.id}`,
        }),
      );
    } catch (err) {
      if (!(err instanceof PaymentDeclinedError)) throw err;
      return fail(
        FailureReason.PAYMENT_DECLINED,
        this.paymentOf({
          reference: err.reference,
          status: 'DECLINED',
          amountCents: totalCents,
          currencyCode: order.currencyCode,
          refundedCents: 0,
        }),
      );
    }
    if (await this.abandoned(order.id)) return;

    await step('commit-cart', () => this.carts.commitCheckout(order.userId, order.id, lines));
    const cartId = order.cartId;
    if (cartId && couponCode) await step('consume-coupon', () => this.coupons.consume(cartId, couponCode));
    const captured = await step('capture-payment', () =>
      this.payments.capture({ idempotencyKey: keys.capture, reference: intent.reference }),
    );
    const confirmed = await step('confirm', () =>
      this.orders.transition(order, 'CONFIRMED', { priced, payment: this.paymentOf(captured), customerEmail }),
    );
    if (!confirmed) {
      // Someone else (the reconciler) ended the order meanwhile; its compensation job undoes our steps too.
      this.logger.warn({ orderId }, 'order left PENDING during its checkout; compensating');
      await this.compensate(order.id);
      return;
    }
    this.committed();
    this.logger.info({ orderId, totalCents }, 'checkout confirmed');
  }

  /**
   * Ends a PENDING order that cannot complete (last attempt used, or too old): FAILED with a reason
   * derived from `cause`; the compensation job then releases what it holds.
   */
  async giveUp(orderId: string, cause: unknown, reason?: string): Promise<void> {
    this.logger.error({ err: cause, orderId }, 'checkout failed for good');
    const order = await this.orders.find(orderId);
    if (order?.status !== 'PENDING') return;
    await this.fail(order, reason ?? (cause instanceof PaymentTimeoutError ? FailureReason.PAYMENT_TIMEOUT : FailureReason.CHECKOUT_ERROR));
  }

  /**
   * Compensation of a FAILED or CANCELLED order: voids the payment hold or refunds the capture,
   * then gives the stock and the coupon redemption back. Idempotent (keys and order ids); a no-op for other statuses.
   */
  async compensate(orderId: string): Promise<void> {
    return inSpan('checkout.compensate', () => this.runCompensation(orderId), { attributes: { 'commerce.order.id': orderId } });
  }

  private async runCompensation(orderId: string): Promise<void> {
    const order = await this.orders.find(orderId);
    if (!order) throw new PermanentCheckoutError(`order ${orderId} does not exist`);
    if (!isCompensated(order.status)) return;
    const keys = paymentKeys(orderId);
    const intent = await this.payments.findByAuthorizationKey(keys.authorize);
    if (intent) {
      let after = intent;
      try {
        if (intent.status === 'AUTHORIZED') after = await this.payments.void({ idempotencyKey: keys.void, reference: intent.reference });
        // What is left of a capture (part of it may have been refunded by an admin before the cancellation).
        if (intent.status === 'CAPTURED' || intent.status === 'PARTIALLY_REFUNDED') {
          after = await this.payments.refund({ idempotencyKey: keys.refund, reference: intent.reference });
        }
      } catch (err) {
        // A capture racing our void: read again and refund what was captured.
        if (!(err instanceof PaymentStateError)) throw err;
        return this.runCompensation(orderId);
      }
      await this.orders.recordPayment(orderId, this.paymentOf(after));
    }
    await this.inventory.release(orderId);
    // Only an order that asked for a coupon can hold a redemption (redeem runs only then).
    if (order.couponCode) await this.coupons.release(orderId);
    this.logger.info({ orderId, status: order.status, payment: intent?.status ?? 'none' }, 'order compensated');
  }

  private async fail(order: OrderWithItems, reason: string, payment?: PaymentChange, customerEmail?: string | null): Promise<void> {
    const failed = await this.orders.transition(order, 'FAILED', { failureReason: reason, customerEmail, ...(payment ? { payment } : {}) });
    if (failed) this.committed();
    this.logger.info({ orderId: order.id, failureReason: reason }, 'checkout failed');
  }

  // Re-read between steps: when the order was ended meanwhile, undo what this run did and stop.
  private async abandoned(orderId: string): Promise<boolean> {
    if ((await this.orders.statusOf(orderId)) === 'PENDING') return false;
    await this.compensate(orderId);
    return true;
  }

  private paymentOf(intent: Omit<PaymentIntent, 'status'> & { status: PaymentChange['status'] }): PaymentChange {
    return {
      provider: this.payments.name,
      reference: intent.reference,
      status: intent.status,
      amountCents: intent.amountCents,
      currencyCode: intent.currencyCode,
      refundedCents: intent.refundedCents,
    };
  }
}

/** One step of the saga in a span of its own (`checkout.<name>`), so a trace shows where the time went. */
const step = <T>(name: string, run: () => Promise<T>): Promise<T> => inSpan(`checkout.${name}`, run);

/** Whether an error from a step is worth retrying (network, 5xx, timeouts) or final. */
export const isRetryable = (err: unknown) =>
  !(err instanceof PermanentCheckoutError) && !(err instanceof PaymentStateError) && (!(err instanceof ServiceCallError) || err.retryable);
