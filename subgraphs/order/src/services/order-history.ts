import { isSelfOrHasRole, type Caller } from '@commerce/common';
import type { OrderDb, OrderStatusEventRecord } from '../db';
import { byOrder } from './by-order';

/**
 * Who caused a status change, as the order's timeline records it: a signed-in user (the customer or
 * an admin, with the role they had then) or one of our processes.
 */
export type EventActor = { kind: 'USER'; userId: number; role: string } | { kind: 'SYSTEM'; name: string };

/** The checkout saga (and the reconciler failing what it left PENDING, which runs the saga's failure). */
export const CHECKOUT_SAGA: EventActor = { kind: 'SYSTEM', name: 'checkout-saga' };

/** A caller as a timeline actor: a user by id and role, a service by its name. */
export function actorOf(caller: Caller): EventActor {
  if (caller.kind === 'user') return { kind: 'USER', userId: caller.userId, role: caller.role };
  return { kind: 'SYSTEM', name: caller.kind === 'service' ? caller.service : 'anonymous' };
}

/** The columns of a status-history row that record its actor and reason. */
export const actorColumns = (actor: EventActor, reason: string | null = null) =>
  actor.kind === 'USER'
    ? { actorKind: 'USER' as const, actorUserId: actor.userId, actorRole: actor.role, actorName: null, reason }
    : { actorKind: 'SYSTEM' as const, actorUserId: null, actorRole: null, actorName: actor.name, reason };

/** An order's status history, oldest first. */
export type Timeline = OrderStatusEventRecord[];

/**
 * The timelines of many orders in one SQL statement, oldest event first (ties by id, so the
 * answer is stable).
 */
export function timelinesOf(db: OrderDb, orderIds: readonly string[]): Promise<Timeline[]> {
  return byOrder(
    orderIds,
    db.orderStatusEvent.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  );
}

/**
 * The user who made a status change, or null when the caller may not know: which admin acted is
 * for admins and the acting user themself. Null for system changes.
 */
export function actingUserVisibleTo(caller: Caller, event: Pick<OrderStatusEventRecord, 'actorUserId'>): number | null {
  const userId = event.actorUserId;
  return userId !== null && isSelfOrHasRole(caller, userId, 'ADMIN') ? userId : null;
}
