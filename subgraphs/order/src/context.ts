import type { BaseContext } from '@commerce/common';
import type { OrderService } from './services/order.service';

export interface Context extends BaseContext {
  orders: OrderService;
}

/** An entity another subgraph owns, known here only by its key. */
export interface EntityRef {
  id: string;
}
