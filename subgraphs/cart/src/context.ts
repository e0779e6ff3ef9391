import type { BaseContext } from '@commerce/common';
import type { CartService } from './services/cart.service';

export interface Context extends BaseContext {
  carts: CartService;
}

/** An entity another subgraph owns, known here only by its key. */
export interface EntityRef {
  id: string;
}
