import { PRISMA_CLIENT_OPTIONS, pgAdapter, withQueryEvents, type CreateDbOptions } from '@commerce/common';
import { PrismaClient } from './generated/client';
import type { Order, OrderItem, Payment } from './generated/client';

export { Prisma } from './generated/client';
export type {
  Order as OrderRecord,
  OrderItem as OrderItemRecord,
  OrderStatusEvent as OrderStatusEventRecord,
  Payment as PaymentRecord,
  OutboxMessage as OutboxMessageRecord,
  Coupon as CouponRecord,
  ShippingRate as ShippingRateRecord,
} from './generated/client';
export type { OrderStatus, PaymentStatus, CouponType, ShippingMethod, ShippingZone, TaxCategory } from './generated/enums';
export type { Carrier, OrderActorKind } from './generated/enums';
export type OrderDb = PrismaClient;

/** Prisma `include` that loads an order's items in a stable order, and its payment. */
export const WITH_ITEMS = { items: { orderBy: { productId: 'asc' } }, payment: true } as const;

/** An order as {@link WITH_ITEMS} loads it. */
export type OrderWithItems = Order & { items: OrderItem[]; payment: Payment | null };

/** The order subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: CreateDbOptions): OrderDb {
  const adapter = pgAdapter('order', { connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  return withQueryEvents(options.onQuery, (log) => new PrismaClient({ adapter, log, ...PRISMA_CLIENT_OPTIONS }));
}
