import { PRISMA_CLIENT_OPTIONS, pgAdapter, withQueryEvents, type CreateDbOptions } from '@commerce/common';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { Cart as CartRecord, CartItem as CartItemRecord } from './generated/client';
export type CartDb = PrismaClient;

/** The cart subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: CreateDbOptions): CartDb {
  const adapter = pgAdapter('cart', { connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  return withQueryEvents(options.onQuery, (log) => new PrismaClient({ adapter, log, ...PRISMA_CLIENT_OPTIONS }));
}
