import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { Product as ProductRecord, Category as CategoryRecord, StockMovement as StockMovementRecord } from './generated/client';
export type ProductDb = PrismaClient;

export interface CreateDbOptions {
  connectionString: string;
  maxConnections?: number;
  /** Called with the SQL of every statement the client sends (tests count statements to prove batching). */
  onQuery?: (sql: string) => void;
}

/** The product subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: CreateDbOptions): ProductDb {
  const adapter = new PrismaPg({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  const { onQuery } = options;
  if (!onQuery) return new PrismaClient({ adapter });
  // Query events cost a little on every statement, so only clients that ask for them emit them.
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query));
  return client;
}
