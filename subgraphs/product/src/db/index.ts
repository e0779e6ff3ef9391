import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { Product as ProductRecord, Category as CategoryRecord } from './generated/client';
export type ProductDb = PrismaClient;

/** The product subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: { connectionString: string; maxConnections?: number }): ProductDb {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: options.connectionString, max: options.maxConnections ?? 10 }) });
}
