import type { BaseContext } from '@commerce/common';
import type { OrderService } from './services/order.service';

export interface Context extends BaseContext {
  orders: OrderService;
}
