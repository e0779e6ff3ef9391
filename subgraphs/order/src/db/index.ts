import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type {
  Order as OrderRecord,
  OrderItem as OrderItemRecord,
  OrderStatusEvent as OrderStatusEventRecord,
  Payment as PaymentRecord,
  OutboxMessage as OutboxMessageRecord,
} from './generated/client';
export type { OrderStatus, PaymentStatus } from './generated/enums';
export type OrderDb = PrismaClient;

/**
 * Options of interactive transactions: under a burst (hundreds of checkouts at once) requests queue
 * for a pooled connection longer than Prisma's 2 s default `maxWait`; waiting beats failing.
 */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

/** The order subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: { connectionString: string; maxConnections?: number }): OrderDb {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: options.connectionString, max: options.maxConnections ?? 10 }) });
}
