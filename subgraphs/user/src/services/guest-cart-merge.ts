import type { Logger, ServiceClient } from '@commerce/common';

/**
 * Merges a guest's cart into the account that just signed in, through the cart subgraph (owner of
 * carts) as a service caller: issue 11's "signing in merges the guest cart".
 */
export class GuestCartMerge {
  constructor(
    private readonly carts: ServiceClient,
    private readonly logger: Logger,
  ) {}

  /**
   * Merges the guest cart of `cartToken` (the request's X-Cart-Token, unchecked) into `userId`'s cart.
   * Never throws: the sign-in stands either way, and the client can retry with mergeCart(token),
   * which is idempotent.
   * @returns true when the cart is merged (now, or by an earlier sign-in of this user); false when
   *   the token names no guest cart or the cart subgraph could not be reached (logged).
   */
  async afterSignIn(userId: number, cartToken: string): Promise<boolean> {
    try {
      await this.carts.request<{ mergeGuestCart: boolean }>(
        'mutation MergeGuestCart($userId: ID!, $token: String!) { mergeGuestCart(userId: $userId, token: $token) }',
        { userId: String(userId), token: cartToken },
      );
      return true;
    } catch (err) {
      this.logger.warn({ err, userId }, 'guest cart not merged at sign-in');
      return false;
    }
  }
}
