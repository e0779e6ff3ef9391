import type { OrderStatus } from '../db';

/** Who asks for a transition: the order's owner, an admin, or the system (checkout saga, reconciler). */
export type Actor = 'owner' | 'admin' | 'system';

interface TransitionRule {
  /** Actors allowed to cause it. */
  readonly by: readonly Actor[];
}

/**
 * The order lifecycle as data (after Vendure's order process): for each status, the statuses that
 * may follow and who may cause each move. Everything else is an illegal transition
 * (INVALID_ORDER_STATE). Checked when the module loads, see {@link validateLifecycle}.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderStatus, TransitionRule>>>>> = {
  PENDING: { CONFIRMED: { by: ['system'] }, FAILED: { by: ['system'] } },
  // Cancellation is only possible before shipping.
  CONFIRMED: { CANCELLED: { by: ['owner', 'admin'] }, SHIPPED: { by: ['admin'] } },
  SHIPPED: { DELIVERED: { by: ['admin'] } },
  FAILED: {},
  CANCELLED: {},
  DELIVERED: {},
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => ORDER_TRANSITIONS[from][to] !== undefined;

/** Whether `actor` may move an order from `from` to `to`; false for an illegal transition too. */
export const mayTransition = (from: OrderStatus, to: OrderStatus, actor: Actor) => ORDER_TRANSITIONS[from][to]?.by.includes(actor) ?? false;

/** Statuses with no way out. */
export const isTerminal = (status: OrderStatus) => Object.keys(ORDER_TRANSITIONS[status]).length === 0;

/**
 * Checks the map's shape: targets are known statuses, every status is reachable from PENDING,
 * every rule names at least one actor, and every path ends in a terminal status (no cycles).
 * @throws Error describing the first problem.
 */
export function validateLifecycle(map: typeof ORDER_TRANSITIONS = ORDER_TRANSITIONS): void {
  const statuses = Object.keys(map) as OrderStatus[];
  for (const from of statuses) {
    for (const [to, rule] of Object.entries(map[from]) as [OrderStatus, TransitionRule][]) {
      if (!(to in map)) throw new Error(`order lifecycle: ${from} → unknown status ${to}`);
      if (rule.by.length === 0) throw new Error(`order lifecycle: nobody may move ${from} → ${to}`);
    }
  }
  const reached = new Set<OrderStatus>(['PENDING']);
  const visit = (status: OrderStatus, path: OrderStatus[]) => {
    for (const to of Object.keys(map[status]) as OrderStatus[]) {
      if (path.includes(to)) throw new Error(`order lifecycle: cycle ${[...path, to].join(' → ')}`);
      reached.add(to);
      visit(to, [...path, to]);
    }
  };
  visit('PENDING', ['PENDING']);
  const unreachable = statuses.filter((s) => !reached.has(s));
  if (unreachable.length > 0) throw new Error(`order lifecycle: unreachable from PENDING: ${unreachable.join(', ')}`);
}

validateLifecycle();

/** Why a checkout failed, as clients see it in Order.failureReason. */
export const FailureReason = {
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  EMPTY_CART: 'EMPTY_CART',
  PRODUCT_NOT_FOUND: 'PRODUCT_NOT_FOUND',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  /** The payment provider did not answer, on every attempt. */
  PAYMENT_TIMEOUT: 'PAYMENT_TIMEOUT',
  /** The order stayed PENDING longer than PENDING_ORDER_MAX_AGE_MS; the reconciler failed it. */
  CHECKOUT_TIMEOUT: 'CHECKOUT_TIMEOUT',
  CHECKOUT_ERROR: 'CHECKOUT_ERROR',
  /** The coupon's usageLimit or perCustomerLimit was reached when the saga tried to redeem it. */
  COUPON_USAGE_LIMIT: 'COUPON_USAGE_LIMIT',
} as const;

/**
 * Statuses that must give back what the order holds (stock reservation, payment hold or capture,
 * coupon redemption): entering one writes the compensation job, which acts only on these.
 */
export const COMPENSATED_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['FAILED', 'CANCELLED']);
export const isCompensated = (status: OrderStatus) => COMPENSATED_STATUSES.has(status);
