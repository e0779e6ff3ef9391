import type { Resolvers } from '../__generated__/resolvers-types';
import { Cart, CartQuote, QuoteLine, ShippingOption, TaxLine } from './Cart';
import { Coupon, ShippingRate } from './Coupon';
import { Mutation } from './Mutation';
import { Order, OrderActor, OrderConnection, OrderEvent, OrderItem, Payment } from './Order';
import { Query } from './Query';
import { Refund, ReturnLine, ReturnRequest } from './Return';
import { User } from './User';

// Subscription.orderStatusChanged and orderEvents are served by the gateway over graphql-ws and SSE
// (from Redis events, resolved through Query.orderStatusEvent); a subgraph has no subscription transport.
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Order,
  OrderItem,
  OrderConnection,
  OrderEvent,
  OrderActor,
  Payment,
  User,
  Cart,
  CartQuote,
  ShippingOption,
  TaxLine,
  QuoteLine,
  Coupon,
  ShippingRate,
  ReturnRequest,
  ReturnLine,
  Refund,
};
