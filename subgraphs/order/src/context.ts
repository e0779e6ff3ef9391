import type DataLoader from 'dataloader';
import type { BaseContext } from '@commerce/common';
import type { CartPricing } from './services/cart-pricing';
import type { CouponService } from './services/coupons';
import type { Timeline } from './services/order-history';
import type { OrderService } from './services/order.service';
import type { ShippingRates } from './services/rates';
import type { ReturnView, RefundView } from './services/returns/return-views';
import type { ReturnsService } from './services/returns/returns.service';

/** The services the order subgraph's resolvers call. */
export interface OrderApi {
  orders: OrderService;
  coupons: CouponService;
  rates: ShippingRates;
  cartPricing: CartPricing;
  /** [returns, issue 11 item 5] */
  returns: ReturnsService;
}

/** Per-request DataLoaders: a page of N orders costs one statement per batched field. */
export interface OrderLoaders {
  timeline: DataLoader<string, Timeline>;
  /** [returns] An order's return requests, oldest first. */
  returns: DataLoader<string, ReturnView[]>;
  /** [returns] An order's refunds, oldest first. */
  refunds: DataLoader<string, RefundView[]>;
}

export interface Context extends BaseContext, OrderApi {
  loaders: OrderLoaders;
}
