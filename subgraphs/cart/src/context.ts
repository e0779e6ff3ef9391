import type { BaseContext } from '@commerce/common';
import type { CartService } from './services/cart.service';
import type { Shopper } from './services/cart-owner';
import type { GuestCartService } from './services/guest-cart.service';

export interface Context extends BaseContext {
  carts: CartService;
  guestCarts: GuestCartService;
  /** The caller with the request's X-Cart-Token, as cart operations take it. */
  shopper: Shopper;
}
