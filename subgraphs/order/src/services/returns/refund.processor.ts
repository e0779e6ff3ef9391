import type { Logger } from '@commerce/common';
import type { OrderDb } from '../../db';
import type { InventoryClient } from '../clients';
import { writeOutbox } from '../outbox';
import { PaymentStateError, RefundExceedsCaptureError, type PaymentProvider } from '../payments';
import { refundIssued } from './return-effects';
import { refundKeyOf } from './return-views';

/**
 * The jobs a return or refund decision writes to the outbox (checkout queue), run by the checkout
 * worker: `refund` calls the provider for a PENDING Refund (idempotency key {@link refundKeyOf}),
 * then records its answer with the payment's new status and the email in one transaction;
 * `restock` puts an approved return's units back in stock through the product subgraph. Both are
 * idempotent (provider key, Refund status compare-and-set, restock by return id), so a retried job
 * refunds and restocks once.
 */
export class RefundProcessor {
  constructor(
    private readonly db: OrderDb,
    private readonly payments: PaymentProvider,
    private readonly inventory: InventoryClient,
    private readonly committed: () => void,
    private readonly logger: Logger,
  ) {}

  /**
   * Performs refund `refundId` once; a no-op once it is SUCCEEDED or FAILED. A refusal of the
   * provider's ledger (more than is left of the capture) or a payment that cannot be refunded
   * marks it FAILED with the reason; other errors (network) are thrown for the job to retry.
   */
  async refund(refundId: string): Promise<void> {
    const refund = await this.db.refund.findUnique({ where: { id: refundId }, include: { order: { include: { payment: true } } } });
    if (!refund || refund.status !== 'PENDING') return;
    const payment = refund.order.payment;
    if (!payment) return this.fail(refundId, 'NO_PAYMENT');
    let intent;
    try {
      intent = await this.payments.refund({
        idempotencyKey: refundKeyOf(refund),
        reference: payment.reference,
        amountCents: refund.amountCents,
        reason: refund.reason,
      });
    } catch (err) {
      if (err instanceof RefundExceedsCaptureError) return this.fail(refundId, 'REFUND_EXCEEDS_CAPTURE');
      if (err instanceof PaymentStateError) return this.fail(refundId, 'PAYMENT_NOT_REFUNDABLE');
      throw err;
    }
    const done = await this.db.$transaction(async (tx) => {
      const { count } = await tx.refund.updateMany({ where: { id: refundId, status: 'PENDING' }, data: { status: 'SUCCEEDED' } });
      if (count === 0) return false;
      // Answers of concurrent refunds may arrive out of order: keep the latest ledger state.
      await tx.payment.updateMany({
        where: { orderId: refund.orderId, refundedCents: { lt: intent.refundedCents } },
        data: { status: intent.status, refundedCents: intent.refundedCents },
      });
      if (refund.returnId) {
        await tx.returnRequest.updateMany({ where: { id: refund.returnId, status: 'APPROVED' }, data: { status: 'REFUNDED' } });
      }
      await writeOutbox(tx, [refundIssued(refund.order, { ...refund, status: 'SUCCEEDED' })]);
      return true;
    });
    if (done) this.committed();
    this.logger.info({ refundId, orderId: refund.orderId, amountCents: refund.amountCents, payment: intent.status }, 'refund made');
  }

  /** Puts the units of approved return `returnId` back in stock (RETURN movements); idempotent by return id. */
  async restock(returnId: string): Promise<void> {
    const ret = await this.db.returnRequest.findUnique({ where: { id: returnId }, include: { lines: true } });
    if (!ret || !ret.restock || (ret.status !== 'APPROVED' && ret.status !== 'REFUNDED')) return;
    await this.inventory.restockReturn(returnId, ret.orderId, ret.lines);
    this.logger.info({ returnId, orderId: ret.orderId }, 'return restocked');
  }

  private async fail(refundId: string, reason: string): Promise<void> {
    await this.db.refund.updateMany({ where: { id: refundId, status: 'PENDING' }, data: { status: 'FAILED', failureReason: reason } });
    this.logger.warn({ refundId, reason }, 'refund refused');
  }
}
