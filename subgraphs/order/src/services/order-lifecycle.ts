import type { OrderStatus } from '../db';

/**
 * Which status may follow which, as data (after Vendure's order process). Everything else is
 * an illegal transition. Checked at module load: every status appears, no unknown targets.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CONFIRMED', 'FAILED'],
  CONFIRMED: ['CANCELLED', 'SHIPPED'],
  SHIPPED: ['DELIVERED'],
  FAILED: [],
  CANCELLED: [],
  DELIVERED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => ORDER_TRANSITIONS[from].includes(to);

for (const [from, targets] of Object.entries(ORDER_TRANSITIONS)) {
  for (const to of targets) {
    if (!(to in ORDER_TRANSITIONS)) throw new Error(`order lifecycle: ${from} → unknown status ${to}`);
  }
}

/** Why a checkout failed, as clients see it in Order.failureReason. */
export const FailureReason = {
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  EMPTY_CART: 'EMPTY_CART',
  PRODUCT_NOT_FOUND: 'PRODUCT_NOT_FOUND',
  CHECKOUT_ERROR: 'CHECKOUT_ERROR',
} as const;
