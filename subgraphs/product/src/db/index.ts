import { PrismaPg } from '@prisma/adapter-pg';
import { withQueryEvents, type CreateDbOptions } from '@commerce/common';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { Product as ProductRecord, Category as CategoryRecord, StockMovement as StockMovementRecord } from './generated/client';
export type ProductDb = PrismaClient;

/** The product subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: CreateDbOptions): ProductDb {
  const adapter = new PrismaPg({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  return withQueryEvents(options.onQuery, (log) => new PrismaClient({ adapter, log }));
}
