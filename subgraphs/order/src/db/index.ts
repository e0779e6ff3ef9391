import { TRANSACTION_OPTIONS, type CreateDbOptions } from '@commerce/common';
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

/** The order subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: Omit<CreateDbOptions, 'onQuery'>): OrderDb {
  const adapter = new PrismaPg({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
}
