import { InvalidCartTokenError, UnauthenticatedError, type Caller } from '@commerce/common';
import { hashCartToken } from './cart-token';

/** Who a request acts as on carts: its caller and the X-Cart-Token it carried (untrusted until checked). */
export interface Shopper {
  caller: Caller;
  cartToken?: string;
}

/** Whose cart an operation touches: a user's (by id) or a guest's (by the hash of its token). */
export type CartOwner = { kind: 'user'; userId: number } | { kind: 'guest'; tokenHash: string };

/**
 * The cart a shopper acts on. A signed-in user always acts on their own cart, whatever token they
 * send (signing in merges the guest cart; see GuestCartService.merge); an anonymous one on the
 * guest cart of their token.
 * @throws UnauthenticatedError for an anonymous shopper without a token (or a service);
 *   InvalidCartTokenError for a token that is not a token's shape.
 */
export function ownerOf(shopper: Shopper): CartOwner {
  const { caller, cartToken } = shopper;
  if (caller.kind === 'user') return { kind: 'user', userId: caller.userId };
  if (caller.kind === 'anonymous' && cartToken) return { kind: 'guest', tokenHash: hashCartToken(cartToken) };
  throw new UnauthenticatedError('Sign in, or send the X-Cart-Token header of a guest cart (createGuestCart)');
}

/** The unique key of an owner's cart row. */
export const ownerKey = (owner: CartOwner): { userId: number } | { tokenHash: string } =>
  owner.kind === 'user' ? { userId: owner.userId } : { tokenHash: owner.tokenHash };

/** The error for a guest cart that is gone (expired, merged, never existed); user carts are created on demand instead. */
export const missingGuestCart = (): InvalidCartTokenError => new InvalidCartTokenError();
