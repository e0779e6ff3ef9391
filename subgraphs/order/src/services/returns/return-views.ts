import type { PaymentStatus, Prisma } from '../../db';

/** Prisma `include` of a return as the API shows it: its lines (by product), its refund, its order's currency. */
export const WITH_RETURN = {
  lines: { orderBy: { productId: 'asc' } },
  refund: true,
  order: { select: { currencyCode: true } },
} as const satisfies Prisma.ReturnRequestInclude;

/** A return as {@link WITH_RETURN} loads it. */
export type ReturnView = Prisma.ReturnRequestGetPayload<{ include: typeof WITH_RETURN }>;

/** A returned line with its order's currency. */
export type ReturnLineView = ReturnView['lines'][number] & { currencyCode: string };

/** A refund as stored. */
export type RefundView = Prisma.RefundGetPayload<object>;

/** Payment statuses with something left to refund. */
export const REFUNDABLE_PAYMENT: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>(['CAPTURED', 'PARTIALLY_REFUNDED']);

/**
 * The provider idempotency key of a refund: `return-<returnId>` for a return's (so one return is
 * refunded once, whatever happens to its Refund row), `refund-<id>` for an admin's.
 */
export const refundKeyOf = (refund: Pick<RefundView, 'id' | 'returnId'>) =>
  refund.returnId ? `return-${refund.returnId}` : `refund-${refund.id}`;
