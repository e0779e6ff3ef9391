import { setTimeout as sleep } from 'node:timers/promises';
import { GraphQLError } from 'graphql';
import {
  DomainError,
  ForbiddenError,
  NotFoundError,
  RETRYABLE_CODES,
  extensionsOf,
  canActFor,
  hasRole,
  orderEventsChannel,
  productStockChannel,
  requireUser,
  type Caller,
  type OrderStatusEvent,
  type ProductStockEvent,
} from '@commerce/common';
import type { EventQueryTarget } from './event-query';

/** What one event means for one subscription: the id its query reads, and what to dedupe on. */
export interface EventRef {
  /** Value of the event query's `ID!` argument. */
  id: string;
  /** `id` names this event alone (an event id, not a product's): gateways then share one event query per group and event (shared-results.ts). */
  unique?: true;
  /** An event with the same key and value as the last one sent for that key shows nothing new: skipped. */
  dedupe?: { key: string; value: string };
  /**
   * Fields of the event target's entity that the event states as they were at the event (an
   * order's `id` and `status`): a selection of only these is answered without the event query.
   * Only for a subscription whose access is settled by `match` and `start` alone.
   */
  known?: Readonly<Record<string, string>>;
}

/** What an order status event states about its order, as `orderStatusEvent(id)` would answer it. */
const orderKnown = (e: OrderStatusEvent) => ({ __typename: 'Order', id: e.orderId, status: e.status });

/** The state to send first, read once listening has started, so no change falls in between. */
export interface CurrentState {
  target: EventQueryTarget;
  id: string;
  /** The state as the subscription's authorization read it; its own event is then skipped. */
  seen?: { key: string; value: string };
}

/**
 * How the gateway serves one Subscription field: the Redis channel, which events belong to the
 * subscription, the query field each event is resolved through, and the access check.
 */
export interface SubscriptionPlan {
  channel: string;
  match: (event: unknown) => EventRef | null;
  eventTarget: EventQueryTarget;
  /**
   * Runs after listening has started: checks access and returns the state to send first, if any.
   * @throws DomainError (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND) to refuse the subscription.
   */
  start: () => Promise<CurrentState | null>;
}

/**
 * Runs a query as the gateway itself (a service caller), for access checks that must see the owner.
 * @throws the first GraphQL error of the result (e.g. SUBGRAPH_UNAVAILABLE).
 */
export type ServiceLookup = <T>(query: string, variables: Record<string, unknown>) => Promise<T | null | undefined>;

/** Pause before a lookup's second attempt, ms: a refused or reset connection is often a subgraph instance restarting or being replaced. */
export const LOOKUP_RETRY_DELAY_MS = 100;

/**
 * A failure worth one more attempt: a retryable code (SERVICE_UNAVAILABLE, or SUBGRAPH_UNAVAILABLE:
 * the subgraph refused or reset the connection, or answered 5xx). Not a timeout: that attempt
 * already waited SUBGRAPH_TIMEOUT_MS, and a second would double the subscriber's wait.
 */
function isTransient(err: unknown): boolean {
  const extensions = err instanceof GraphQLError ? err.extensions : err instanceof DomainError ? extensionsOf(err) : null;
  return extensions !== null && RETRYABLE_CODES.has(String(extensions.code)) && extensions.timedOut !== true;
}

/**
 * `lookup` tried once more, after `delayMs`, when its first attempt failed with a transient error
 * (see {@link isTransient}), so a subscribe is not refused for a blip of the subgraph that owns
 * the access facts. Every other failure, and the second attempt's, is thrown as it is.
 */
export function retryingOnce(lookup: ServiceLookup, delayMs = LOOKUP_RETRY_DELAY_MS): ServiceLookup {
  return async <T>(query: string, variables: Record<string, unknown>) => {
    try {
      return await lookup<T>(query, variables);
    } catch (err) {
      if (!isTransient(err)) throw err;
      await sleep(delayMs);
      return lookup<T>(query, variables);
    }
  };
}

export interface PlanInput {
  args: Record<string, unknown>;
  caller: Caller;
  redisPrefix: string;
  lookup: ServiceLookup;
}

const ORDER_EVENT: EventQueryTarget = { field: 'orderStatusEvent', argument: 'id' };
const ORDER: EventQueryTarget = { field: 'order', argument: 'id' };
const PRODUCT: EventQueryTarget = { field: 'product', argument: 'id' };

/**
 * `orderStatusChanged(orderId: ID)`: the signed-in user's orders, or one order. Another user's
 * `orderId` is FORBIDDEN (an admin may watch any order); an unknown one NOT_FOUND. With an
 * `orderId` the current state comes first, so a late or reconnecting client learns the latest state.
 */
function orderStatusChanged({ args, caller, redisPrefix, lookup }: PlanInput): SubscriptionPlan {
  const user = requireUser(caller);
  const orderId = typeof args.orderId === 'string' ? args.orderId : null;
  return {
    channel: orderEventsChannel(redisPrefix),
    match: (raw) => {
      const e = raw as OrderStatusEvent;
      const mine = orderId === null ? e.userId === user.userId : e.orderId === orderId;
      return mine ? { id: e.eventId, unique: true, dedupe: { key: e.orderId, value: e.status }, known: orderKnown(e) } : null;
    },
    eventTarget: ORDER_EVENT,
    start: async () => {
      if (orderId === null) return null;
      const order = await lookup<{ order: { status: string; user: { id: string } } | null }>(
        'query SubscriptionOrderAccess($id: ID!) { order(id: $id) { status user { id } } }',
        { id: orderId },
      );
      if (!order?.order) throw new NotFoundError('Order', orderId);
      if (!canActFor(caller, Number(order.order.user.id))) throw new ForbiddenError(`Order ${orderId} is not yours`);
      return { target: ORDER, id: orderId, seen: { key: orderId, value: order.order.status } };
    },
  };
}

/** `orderEvents(status: [OrderStatus!])`: every order's status changes, optionally of some statuses; ADMIN only. */
function orderEvents({ args, caller, redisPrefix }: PlanInput): SubscriptionPlan {
  requireUser(caller);
  if (!hasRole(caller, 'ADMIN')) throw new ForbiddenError('Only admins may watch all orders');
  const statuses = Array.isArray(args.status) && args.status.length > 0 ? new Set(args.status as string[]) : null;
  return {
    channel: orderEventsChannel(redisPrefix),
    match: (raw) => {
      const e = raw as OrderStatusEvent;
      return statuses === null || statuses.has(e.status) ? { id: e.eventId, unique: true, known: orderKnown(e) } : null;
    },
    eventTarget: ORDER_EVENT,
    start: async () => null,
  };
}

/**
 * `productStockChanged(productId: ID!)`: stock level updates of one product, for anyone (the
 * catalog is public). The current state comes first; each event is resolved through
 * `product(id)` after the change committed, so it is never older than the event. Events that
 * leave the level where the last one left it are skipped.
 */
function productStockChanged({ args, redisPrefix, lookup }: PlanInput): SubscriptionPlan {
  const productId = String(args.productId);
  return {
    channel: productStockChannel(redisPrefix),
    match: (raw) => {
      const e = raw as ProductStockEvent;
      return String(e.productId) === productId ? { id: productId, dedupe: { key: productId, value: String(e.stock) } } : null;
    },
    eventTarget: PRODUCT,
    start: async () => {
      const product = await lookup<{ product: { stock: number } | null }>(
        'query SubscriptionProduct($id: ID!) { product(id: $id) { stock } }',
        {
          id: productId,
        },
      );
      if (!product?.product) throw new NotFoundError('Product', productId);
      return { target: PRODUCT, id: productId, seen: { key: productId, value: String(product.product.stock) } };
    },
  };
}

/** The Subscription fields the gateway serves, by name. */
export const SUBSCRIPTION_FIELDS: Record<string, (input: PlanInput) => SubscriptionPlan> = {
  orderStatusChanged,
  orderEvents,
  productStockChanged,
};
