import {
  ANONYMOUS,
  DomainError,
  canActFor,
  isSelfOrHasRole,
  requireAdmin,
  requireRole,
  requireSelfOrAdmin,
  type Caller,
} from '../src';

const admin: Caller = { kind: 'user', userId: 1, role: 'ADMIN' };
const moderator: Caller = { kind: 'user', userId: 2, role: 'MODERATOR' };
const customer: Caller = { kind: 'user', userId: 3, role: 'CUSTOMER' };
const worker: Caller = { kind: 'service', service: 'checkout-worker' };

/** The thrown error's code and message, or a failure when `fn` returns. */
function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return { code: (err as DomainError).code, message: (err as DomainError).message };
  }
  throw new Error('allowed');
}

describe('requireRole', () => {
  test('returns the user when their role is one of the roles', () => {
    expect(requireRole(moderator, ['MODERATOR', 'ADMIN'])).toEqual(moderator);
    expect(requireRole(admin, ['MODERATOR', 'ADMIN'], 'Only moderators and admins moderate reviews')).toEqual(admin);
  });

  test('UNAUTHENTICATED when signed out, services included', () => {
    expect(refusal(() => requireRole(ANONYMOUS, ['ADMIN'])).code).toBe('UNAUTHENTICATED');
    expect(refusal(() => requireRole(worker, ['ADMIN'])).code).toBe('UNAUTHENTICATED');
  });

  test('FORBIDDEN with the given message, or one naming the roles', () => {
    expect(refusal(() => requireRole(customer, ['MODERATOR', 'ADMIN'], 'Only moderators and admins moderate reviews'))).toEqual({
      code: 'FORBIDDEN',
      message: 'Only moderators and admins moderate reviews',
    });
    expect(refusal(() => requireRole(moderator, ['ADMIN']))).toEqual({ code: 'FORBIDDEN', message: 'Only ADMIN may do this' });
  });
});

describe('requireAdmin', () => {
  test('admits admins only, with its default or given message', () => {
    expect(requireAdmin(admin).userId).toBe(1);
    expect(refusal(() => requireAdmin(moderator))).toEqual({ code: 'FORBIDDEN', message: 'Only an admin may do this' });
    expect(refusal(() => requireAdmin(customer, 'Only admins manage the catalog')).message).toBe('Only admins manage the catalog');
    expect(refusal(() => requireAdmin(ANONYMOUS)).code).toBe('UNAUTHENTICATED');
  });
});

describe('requireSelfOrAdmin', () => {
  test('admits the user, an admin and a service (as canActFor does)', () => {
    for (const caller of [customer, admin, worker]) {
      expect(canActFor(caller, 3)).toBe(true);
      expect(() => requireSelfOrAdmin(caller, 3, 'You may only read your own cart')).not.toThrow();
    }
  });

  test('FORBIDDEN with the message for other users and for the signed out', () => {
    for (const caller of [moderator, customer, ANONYMOUS]) {
      expect(refusal(() => requireSelfOrAdmin(caller, 4, 'You may only read your own orders'))).toEqual({
        code: 'FORBIDDEN',
        message: 'You may only read your own orders',
      });
    }
  });
});

describe('isSelfOrHasRole', () => {
  test('true for the user themself or a user with a role, never for services or the signed out', () => {
    expect(isSelfOrHasRole(customer, 3, 'ADMIN')).toBe(true);
    expect(isSelfOrHasRole(moderator, 3, 'MODERATOR', 'ADMIN')).toBe(true);
    expect(isSelfOrHasRole(moderator, 3, 'ADMIN')).toBe(false);
    expect(isSelfOrHasRole(customer, 4, 'ADMIN')).toBe(false);
    expect(isSelfOrHasRole(worker, 3, 'ADMIN')).toBe(false);
    expect(isSelfOrHasRole(ANONYMOUS, 3, 'ADMIN')).toBe(false);
  });
});
