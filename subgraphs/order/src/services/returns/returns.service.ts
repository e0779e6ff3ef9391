import {
  BadUserInputError,
  InvalidOrderStateError,
  InvalidReturnStateError,
  NotFoundError,
  RefundTooLargeError,
  ReturnNotAllowedError,
  assertPlainText,
  canActFor,
  parseIntId,
  requireAdmin,
  requireUser,
  type Caller,
} from '@commerce/common';
import type { OrderDb, OrderWithItems, Prisma } from '../../db';
import { byOrder } from '../by-order';
import { taxLinesOf } from '../order.repository';
import { writeOutbox } from '../outbox';
import { refundEntry, returnNotification } from './return-effects';
import { returnRefund, type ReturnedUnits } from './refund-amounts';
import { REFUNDABLE_PAYMENT, WITH_RETURN, type RefundView, type ReturnView } from './return-views';

const DAY_MS = 24 * 3600 * 1000;
const OLDEST_FIRST = [{ createdAt: 'asc' }, { id: 'asc' }] satisfies Prisma.RefundOrderByWithRelationInput[];
const MAX_NOTE = 500;

/** A customer's return request: units of some lines of one order, and why. */
export interface ReturnInput {
  orderId: string;
  lines: readonly { productId: string; quantity: number }[];
  reason?: string | null;
}

/** An admin's refund of part of an order's capture. */
export interface RefundInput {
  orderId: string;
  /** Cents, ≥ 1. */
  amountCents: number;
  reason: string;
}

/**
 * Returns and refunds (issue 11 item 5). A customer returns units of a DELIVERED order within each
 * line's return window; an admin approves (refund of exactly those units' share of the charge,
 * optionally restocking them) or rejects; an admin may also refund any amount of a capture. Every
 * decision locks the order's row, so concurrent decisions on one order run one after the other and
 * see each other's refunds: a return is approved once, refunds never pass the capture. The provider
 * call, the restock and the emails are outbox jobs of the decision's transaction.
 */
export class ReturnsService {
  constructor(
    private readonly db: OrderDb,
    private readonly committed: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Asks for a return (the order's owner only). Each line names a product of the order and 1..the
   * units not already in a return that was not rejected; the line's product must have had a return
   * policy when bought, and the order must have been delivered no more than that many days ago.
   * @throws NotFoundError when the order is not the caller's (admins included: only the owner asks).
   * @throws InvalidOrderStateError unless the order is DELIVERED.
   * @throws ReturnNotAllowedError (NOT_RETURNABLE, RETURN_WINDOW_CLOSED) naming the product.
   * @throws BadUserInputError for no lines, a repeated or unknown product, a bad quantity or reason.
   */
  async request(caller: Caller, input: ReturnInput): Promise<ReturnView> {
    const user = requireUser(caller);
    if (input.reason != null) assertPlainText(input.reason, 'reason', { max: MAX_NOTE });
    const units = unitsOf(input.lines);
    const created = await this.db.$transaction(async (tx) => {
      const order = await lockedOrder(tx, input.orderId);
      if (!order || order.userId !== user.userId) throw new NotFoundError('Order', input.orderId);
      if (order.status !== 'DELIVERED') throw new InvalidOrderStateError(order.id, order.status, 'RETURN_REQUESTED');
      const delivered = await tx.orderStatusEvent.findFirst({
        where: { orderId: order.id, status: 'DELIVERED' },
        orderBy: { createdAt: 'desc' },
      });
      const deliveredAt = delivered?.createdAt ?? order.updatedAt;
      const open = await unitsIn(tx, order.id, ['REQUESTED', 'APPROVED', 'REFUNDED']);
      for (const line of units) {
        const item = order.items.find((i) => i.productId === line.productId);
        if (!item)
          throw new BadUserInputError(`Order has no product ${line.productId}`, { field: 'lines', productId: String(line.productId) });
        if (item.returnWindowDays === null) throw new ReturnNotAllowedError('NOT_RETURNABLE', item.productId, null);
        if (this.now().getTime() > deliveredAt.getTime() + item.returnWindowDays * DAY_MS) {
          throw new ReturnNotAllowedError('RETURN_WINDOW_CLOSED', item.productId, item.returnWindowDays);
        }
        const left = item.quantity - (open.get(item.productId) ?? 0);
        if (line.quantity > left) {
          throw new BadUserInputError(`Only ${left} units of product ${item.productId} can still be returned`, {
            field: 'quantity',
            productId: String(item.productId),
          });
        }
      }
      const row = await tx.returnRequest.create({
        data: { orderId: order.id, userId: order.userId, reason: input.reason ?? null, lines: { create: units } },
        include: WITH_RETURN,
      });
      const estimate = returnRefund(
        order.items,
        taxLinesOf(order),
        order.shippingTotalCents,
        await unitsIn(tx, order.id, ['APPROVED', 'REFUNDED']),
        units,
      );
      await writeOutbox(tx, [returnNotification('RETURN_REQUESTED', order, row.id, estimate, input.reason ?? null)]);
      return row;
    });
    this.committed();
    return created;
  }

  /**
   * Approves a REQUESTED return (ADMIN): fixes its refund (see {@link returnRefund}) and queues the
   * provider refund (idempotency key return-<id>), the restock when asked, and the email.
   * @throws ForbiddenError for anyone but an admin. @throws NotFoundError for an unknown return.
   * @throws InvalidReturnStateError when it was decided already (a concurrent approval won).
   * @throws RefundTooLargeError when admin refunds left less of the capture than the return refunds.
   */
  async approve(caller: Caller, returnId: string, restock: boolean): Promise<ReturnView> {
    const admin = requireAdmin(caller, 'Only an admin may approve a return');
    const approved = await this.db.$transaction(async (tx) => {
      const { ret, order } = await this.decidable(tx, returnId);
      const refund = returnRefund(
        order.items,
        taxLinesOf(order),
        order.shippingTotalCents,
        await unitsIn(tx, order.id, ['APPROVED', 'REFUNDED']),
        ret.lines,
      );
      const left = await refundableOf(tx, order);
      if (refund.totalCents > left) throw new RefundTooLargeError(refund.totalCents, left);
      for (const line of refund.lines) {
        await tx.returnLine.update({
          where: { returnId_productId: { returnId, productId: line.productId } },
          data: { amountCents: line.amountCents, taxCents: line.taxCents },
        });
      }
      const decided = {
        decidedBy: admin.userId,
        decidedAt: this.now(),
        restock,
        refundCents: refund.totalCents,
        shippingRefundCents: refund.shippingCents,
      };
      // Nothing to pay back (free items): the return is settled at once.
      await tx.returnRequest.update({
        where: { id: returnId },
        data: { ...decided, status: refund.totalCents > 0 ? 'APPROVED' : 'REFUNDED' },
      });
      const entries = [returnNotification('RETURN_APPROVED', order, returnId, refund, null)];
      if (refund.totalCents > 0) {
        const row = await tx.refund.create({
          data: {
            orderId: order.id,
            returnId,
            amountCents: refund.totalCents,
            currencyCode: order.currencyCode,
            reason: 'RETURN',
            createdBy: admin.userId,
          },
        });
        entries.push(refundEntry(row));
      }
      if (restock) entries.push({ queue: 'checkout', name: 'restock', payload: { orderId: order.id, returnId } });
      await writeOutbox(tx, entries);
      return tx.returnRequest.findUniqueOrThrow({ where: { id: returnId }, include: WITH_RETURN });
    });
    this.committed();
    return approved;
  }

  /**
   * Rejects a REQUESTED return (ADMIN), with an optional note the customer is emailed.
   * @throws ForbiddenError, NotFoundError, InvalidReturnStateError as {@link approve}.
   */
  async reject(caller: Caller, returnId: string, note: string | null | undefined): Promise<ReturnView> {
    const admin = requireAdmin(caller, 'Only an admin may reject a return');
    if (note != null) assertPlainText(note, 'note', { max: MAX_NOTE });
    const rejected = await this.db.$transaction(async (tx) => {
      const { ret, order } = await this.decidable(tx, returnId);
      await tx.returnRequest.update({
        where: { id: returnId },
        data: { status: 'REJECTED', decidedBy: admin.userId, decidedAt: this.now(), decisionNote: note ?? null },
      });
      const estimate = returnRefund(order.items, taxLinesOf(order), order.shippingTotalCents, new Map(), ret.lines);
      await writeOutbox(tx, [returnNotification('RETURN_REJECTED', order, returnId, { ...estimate, totalCents: 0 }, note ?? null)]);
      return tx.returnRequest.findUniqueOrThrow({ where: { id: returnId }, include: WITH_RETURN });
    });
    this.committed();
    return rejected;
  }

  /**
   * Refunds `amountCents` of an order's capture (ADMIN) with a reason, e.g. a goodwill refund.
   * The Refund is PENDING until the refund job has the provider's answer (idempotency key refund-<id>).
   * @throws ForbiddenError for anyone but an admin. @throws NotFoundError for an unknown order.
   * @throws BadUserInputError for an amount below 1 cent or a reason outside 1..500 characters.
   * @throws RefundTooLargeError when the amount is more than what is left of the capture (0 when nothing was captured).
   */
  async refundOrder(caller: Caller, input: RefundInput): Promise<RefundView> {
    const admin = requireAdmin(caller, 'Only an admin may refund an order');
    if (!Number.isInteger(input.amountCents) || input.amountCents < 1) {
      throw new BadUserInputError('amountCents must be a whole number ≥ 1', { field: 'amountCents' });
    }
    assertPlainText(input.reason, 'reason', { max: MAX_NOTE });
    const created = await this.db.$transaction(async (tx) => {
      const order = await lockedOrder(tx, input.orderId);
      if (!order) throw new NotFoundError('Order', input.orderId);
      const left = await refundableOf(tx, order);
      if (input.amountCents > left) throw new RefundTooLargeError(input.amountCents, left);
      const row = await tx.refund.create({
        data: {
          orderId: order.id,
          amountCents: input.amountCents,
          currencyCode: order.currencyCode,
          reason: input.reason,
          createdBy: admin.userId,
        },
      });
      await writeOutbox(tx, [refundEntry(row)]);
      return row;
    });
    this.committed();
    return created;
  }

  /** A return the caller may see (the order's owner, an admin); null otherwise. */
  async returnFor(caller: Caller, id: string): Promise<ReturnView | null> {
    const ret = await this.db.returnRequest.findUnique({ where: { id }, include: WITH_RETURN });
    return ret && canActFor(caller, ret.userId) ? ret : null;
  }

  /** ADMIN: up to 100 returns, newest first, optionally of one status. @throws ForbiddenError */
  returnsByStatus(caller: Caller, status: ReturnView['status'] | null | undefined): Promise<ReturnView[]> {
    requireAdmin(caller, 'Only an admin may list returns');
    return this.db.returnRequest.findMany({
      where: status ? { status } : {},
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 100,
      include: WITH_RETURN,
    });
  }

  /** The returns of each order, oldest first, in one statement for all (the caller could see the orders). */
  returnsOf(orderIds: readonly string[]): Promise<ReturnView[][]> {
    return byOrder(
      orderIds,
      this.db.returnRequest.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: OLDEST_FIRST, include: WITH_RETURN }),
    );
  }

  /** The refunds of each order, oldest first, in one statement for all (the caller could see the orders). */
  refundsOf(orderIds: readonly string[]): Promise<RefundView[][]> {
    return byOrder(orderIds, this.db.refund.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: OLDEST_FIRST }));
  }

  // The return, REQUESTED, with its order locked for the decision.
  private async decidable(tx: Prisma.TransactionClient, returnId: string) {
    const found = await tx.returnRequest.findUnique({ where: { id: returnId }, select: { orderId: true } });
    if (!found) throw new NotFoundError('ReturnRequest', returnId);
    const order = await lockedOrder(tx, found.orderId);
    const ret = await tx.returnRequest.findUniqueOrThrow({ where: { id: returnId }, include: WITH_RETURN });
    if (!order) throw new NotFoundError('ReturnRequest', returnId);
    if (ret.status !== 'REQUESTED') throw new InvalidReturnStateError(returnId, ret.status);
    return { ret, order };
  }
}

/** The order with its items and payment, its row locked (FOR UPDATE) until the transaction ends. */
async function lockedOrder(tx: Prisma.TransactionClient, orderId: string): Promise<OrderWithItems | null> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Order" WHERE "id" = ${orderId} FOR UPDATE`;
  if (locked.length === 0) return null;
  return tx.order.findUniqueOrThrow({ where: { id: orderId }, include: { items: { orderBy: { productId: 'asc' } }, payment: true } });
}

/** Units of each product in the order's returns of these statuses. */
async function unitsIn(tx: Prisma.TransactionClient, orderId: string, statuses: ReturnView['status'][]): Promise<Map<number, number>> {
  const rows = await tx.returnLine.groupBy({
    by: ['productId'],
    where: { returnRequest: { orderId, status: { in: statuses } } },
    _sum: { quantity: true },
  });
  return new Map(rows.map((r) => [r.productId, r._sum.quantity ?? 0]));
}

/** What is left to refund of the order's capture: captured minus every refund not FAILED (cents); 0 without a capture. */
async function refundableOf(tx: Prisma.TransactionClient, order: OrderWithItems): Promise<number> {
  if (!order.payment || !REFUNDABLE_PAYMENT.has(order.payment.status)) return 0;
  const { _sum } = await tx.refund.aggregate({ where: { orderId: order.id, status: { not: 'FAILED' } }, _sum: { amountCents: true } });
  return Math.max(0, order.payment.amountCents - Math.max(_sum.amountCents ?? 0, order.payment.refundedCents));
}

/** Validated return lines: at least one, each product once, 1..999 units. */
function unitsOf(lines: ReturnInput['lines']): ReturnedUnits[] {
  if (lines.length === 0) throw new BadUserInputError('A return needs at least one line', { field: 'lines' });
  const units = lines.map((l) => ({ productId: parseIntId(l.productId, 'product'), quantity: l.quantity }));
  if (new Set(units.map((u) => u.productId)).size !== units.length) {
    throw new BadUserInputError('Each product may appear once in a return', { field: 'lines' });
  }
  for (const u of units) {
    if (!Number.isInteger(u.quantity) || u.quantity < 1 || u.quantity > 999) {
      throw new BadUserInputError(`Quantity must be an integer from 1 to 999, got ${u.quantity}`, { field: 'quantity' });
    }
  }
  return units.sort((a, b) => a.productId - b.productId);
}
