import { canActFor, requireSelfOrAdmin, type Caller } from '@commerce/common';
import type { UserRecord } from '../db';

/**
 * Who reads `user`'s fields: right after signing in (login, register, verifyEmail) the request was
 * anonymous, yet its payload's user is the one who just proved who they are (`signedInUserId`).
 */
export function readerOf(caller: Caller, user: Pick<UserRecord, 'id' | 'role'>, signedInUserId?: number): Caller {
  return signedInUserId === user.id ? { kind: 'user', userId: user.id, role: user.role } : caller;
}

/** Private fields (email, status, phone, ...) are for the user themself, an admin or a service. */
export function mayReadPrivate(caller: Caller, user: Pick<UserRecord, 'id' | 'role'>, signedInUserId?: number): boolean {
  return canActFor(readerOf(caller, user, signedInUserId), user.id);
}

/**
 * Address books follow User.orders and User.cart: the user is public, so FORBIDDEN hides nothing.
 * @throws ForbiddenError for anyone but the user themself, an admin or a service.
 */
export function requireAddressBookReader(caller: Caller, user: Pick<UserRecord, 'id' | 'role'>, signedInUserId?: number): void {
  requireSelfOrAdmin(readerOf(caller, user, signedInUserId), user.id, 'You may only read your own addresses');
}
