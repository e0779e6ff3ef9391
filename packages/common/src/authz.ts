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

export function hasRole(caller: Caller, ...roles: Role[]): boolean {
  return caller.kind === 'user' && roles.includes(caller.role);
}

/**
 * A signed-in admin. `message` says what only admins may do (the FORBIDDEN error's message).
 * @throws UnauthenticatedError when signed out; ForbiddenError for anyone but an admin.
 */
export function requireAdmin(caller: Caller, message = 'Only an admin may do this'): UserCaller {
  const user = requireUser(caller);
  if (user.role !== 'ADMIN') throw new ForbiddenError(message);
  return user;
}
