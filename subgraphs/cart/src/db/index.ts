import { TRANSACTION_OPTIONS, type CreateDbOptions } from '@commerce/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { Cart as CartRecord, CartItem as CartItemRecord } from './generated/client';
export type CartDb = PrismaClient;

/** The cart subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: Omit<CreateDbOptions, 'onQuery'>): CartDb {
  const adapter = new PrismaPg({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
}
