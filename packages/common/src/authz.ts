import type { Caller, Role } from './caller';
import { ForbiddenError, UnauthenticatedError } from './errors';

export type UserCaller = Extract<Caller, { kind: 'user' }>;

/** The signed-in user. @throws UnauthenticatedError for anyone else. */
export function requireUser(caller: Caller): UserCaller {
  if (caller.kind !== 'user') throw new UnauthenticatedError();
  return caller;
}

/** Only our own processes (workers). @throws ForbiddenError for clients, signed in or not. */
export function requireService(caller: Caller): void {
  if (caller.kind !== 'service') throw new ForbiddenError('Only internal services may do this');
}

/** True when the caller may read or change data owned by `userId`: the user, an admin or a service. */
export function canActFor(caller: Caller, userId: number): boolean {
  if (caller.kind === 'service') return true;
  if (caller.kind !== 'user') return false;
  return caller.userId === userId || caller.role === 'ADMIN';
}

/** True when the caller is a signed-in user with one of `roles`. */
export function hasRole(caller: Caller, ...roles: Role[]): boolean {
  return caller.kind === 'user' && roles.includes(caller.role);
}

/**
 * True when the caller is the signed-in user `userId` or a signed-in user with one of `roles`
 * (services excluded: this guards what people see, e.g. who moderated or acted).
 */
export function isSelfOrHasRole(caller: Caller, userId: number, ...roles: Role[]): boolean {
  return caller.kind === 'user' && (caller.userId === userId || roles.includes(caller.role));
}

/**
 * A signed-in user with one of `roles`. `message` is the FORBIDDEN error's message (say what
 * only those roles may do); it defaults to naming the roles.
 * @throws UnauthenticatedError when signed out (services included); ForbiddenError for a user without one of `roles`.
 */
export function requireRole(caller: Caller, roles: readonly [Role, ...Role[]], message?: string): UserCaller {
  const user = requireUser(caller);
  if (!roles.includes(user.role)) throw new ForbiddenError(message ?? `Only ${roles.join(' or ')} may do this`);
  return user;
}

/**
 * A signed-in admin. `message` says what only admins may do (the FORBIDDEN error's message).
 * @throws UnauthenticatedError when signed out; ForbiddenError for anyone but an admin.
 */
export function requireAdmin(caller: Caller, message = 'Only an admin may do this'): UserCaller {
  return requireRole(caller, ['ADMIN'], message);
}

/**
 * The caller may act for `userId` (see canActFor: the user, an admin or a service).
 * FORBIDDEN even when signed out: the user is public, so the error hides nothing.
 * @throws ForbiddenError with `message` otherwise.
 */
export function requireSelfOrAdmin(caller: Caller, userId: number, message: string): void {
  if (!canActFor(caller, userId)) throw new ForbiddenError(message);
}
