import { PRISMA_CLIENT_OPTIONS, pgAdapter, withQueryEvents, type CreateDbOptions } from '@commerce/common';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { Review as ReviewRecord } from './generated/client';
export type ReviewDb = PrismaClient;

/** The review subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: CreateDbOptions): ReviewDb {
  const adapter = pgAdapter('review', { connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  return withQueryEvents(options.onQuery, (log) => new PrismaClient({ adapter, log, ...PRISMA_CLIENT_OPTIONS }));
}
