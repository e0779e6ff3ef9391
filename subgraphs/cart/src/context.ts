import type { BaseContext } from '@commerce/common';
import type { CartService } from './services/cart.service';

export interface Context extends BaseContext {
  carts: CartService;
}
