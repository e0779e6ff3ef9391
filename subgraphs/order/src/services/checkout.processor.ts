import {
  ServiceCallError,
  notificationJobId,
  purchaseJobId,
  type Logger,
  type OrderNotificationJob,
  type PurchaseJob,
} from '@commerce/common';
import type { Queue } from 'bullmq';
import type { OrderStatusEventRecord } from '../db';
import type { CartClient, InventoryClient } from './clients';
import { FailureReason } from './order-lifecycle';
import type { OrderEventPublisher } from './order-events';
import { priceLines, type OrderRepository, type OrderWithItems, type PricedOrder } from './order.repository';

/** A step failed for a reason retrying will not fix. */
export class PermanentCheckoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentCheckoutError';
  }
}

/**
 * The checkout of one PENDING order, run by the checkout worker: reserve stock (product
 * subgraph) → price from the reservation → take the lines out of the cart (cart subgraph) →
 * CONFIRMED → notify. Each step is idempotent by the order id, so a retried job resumes where
 * the last attempt stopped and never reserves or removes twice. Failures end in FAILED with a
 * reason and nothing reserved.
 */
export class CheckoutProcessor {
  constructor(
    private readonly orders: OrderRepository,
    private readonly inventory: InventoryClient,
    private readonly carts: CartClient,
    private readonly events: OrderEventPublisher,
    private readonly notifications: Queue<OrderNotificationJob>,
    private readonly logger: Logger,
    private readonly purchases: Queue<PurchaseJob>,
  ) {}

  /** Runs the checkout of `orderId`; a no-op for an order that is no longer PENDING. */
  async process(orderId: string): Promise<void> {
    const order = await this.orders.find(orderId);
    if (!order) throw new PermanentCheckoutError(`order ${orderId} does not exist`);
    if (order.status !== 'PENDING') return;
    if (order.items.length === 0) {
      await this.fail(order, FailureReason.EMPTY_CART);
      return;
    }
    const lines = order.items.map((i) => ({ productId: i.productId, quantity: i.quantity }));
    const reservation = await this.inventory.reserve(order.id, lines);
    if (!reservation.ok) {
      await this.fail(order, reservation.failureReason === 'NOT_FOUND' ? FailureReason.PRODUCT_NOT_FOUND : FailureReason.OUT_OF_STOCK);
      return;
    }
    await this.carts.commitCheckout(order.userId, order.id, lines);
    const priced = priceLines(reservation.lines);
    const event = await this.orders.transition(order.id, 'PENDING', 'CONFIRMED', { priced });
    if (!event) return;
    await this.afterCommit(order, event, { priced, titles: new Map(reservation.lines.map((l) => [l.productId, l.title])) });
  }

  /**
   * Compensation when the job has used its last attempt: give the stock back and fail the order,
   * so no order stays PENDING with stock held.
   */
  async giveUp(orderId: string, cause: unknown): Promise<void> {
    this.logger.error({ err: cause, orderId }, 'checkout failed for good');
    await this.inventory.release(orderId);
    const order = await this.orders.find(orderId);
    if (order?.status === 'PENDING') await this.fail(order, FailureReason.CHECKOUT_ERROR);
  }

  private async fail(order: OrderWithItems, reason: string): Promise<void> {
    const event = await this.orders.transition(order.id, 'PENDING', 'FAILED', { failureReason: reason });
    if (event) await this.afterCommit(order, event, null);
  }

  private async afterCommit(
    order: OrderWithItems,
    event: OrderStatusEventRecord,
    confirmed: { priced: PricedOrder; titles: Map<number, string> } | null,
  ): Promise<void> {
    await this.events.published(event, order.userId);
    const priced = confirmed?.priced;
    const job: OrderNotificationJob = {
      kind: event.status === 'CONFIRMED' ? 'ORDER_CONFIRMED' : 'ORDER_FAILED',
      orderId: order.id,
      userId: order.userId,
      status: event.status,
      failureReason: event.failureReason,
      totalCents: priced?.totalCents ?? order.totalCents,
      currencyCode: order.currencyCode,
      lines: (priced?.items ?? order.items).map((i) => ({
        productId: i.productId,
        title: confirmed?.titles.get(i.productId) ?? `Product ${i.productId}`,
        quantity: i.quantity,
        lineTotalCents: i.lineTotalCents,
      })),
    };
    await this.notifications.add(job.kind, job, { jobId: notificationJobId(order.id, event.status) });
    // --- Catalog/reviews (issue 6): tell the review subgraph about the purchase (verifiedPurchase).
    // Idempotent by job id; the integrator moves this into the transactional outbox.
    if (event.status === 'CONFIRMED') {
      const purchase: PurchaseJob = {
        orderId: order.id,
        userId: order.userId,
        productIds: order.items.map((i) => i.productId),
        status: 'CONFIRMED',
      };
      await this.purchases.add('purchase', purchase, { jobId: purchaseJobId(order.id, 'CONFIRMED') });
    }
    // --- end issue 6
    this.logger.info({ orderId: order.id, status: event.status, failureReason: event.failureReason }, 'checkout finished');
  }
}

/** Whether an error from a step is worth retrying (network, 5xx) or final. */
export const isRetryable = (err: unknown) =>
  !(err instanceof PermanentCheckoutError) && (!(err instanceof ServiceCallError) || err.retryable);
