import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { User as UserRecord } from './generated/client';
export type UserDb = PrismaClient;

/** The user subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: {
  connectionString: string;
  maxConnections?: number;
  /** Called with the SQL of every statement the client sends (tests count statements to prove batching). */
  onQuery?: (sql: string) => void;
}): UserDb {
  const adapter = new PrismaPg({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  const { onQuery } = options;
  if (!onQuery) return new PrismaClient({ adapter });
  // Query events cost a little on every statement, so only clients that ask for them emit them.
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query));
  return client;
}
