import { PRISMA_CLIENT_OPTIONS, pgAdapter, withQueryEvents, type CreateDbOptions } from '@commerce/common';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type {
  Address as AddressRecord,
  User as UserRecord,
  WebhookDelivery as WebhookDeliveryRecord,
  WebhookEndpoint as WebhookEndpointRecord,
} from './generated/client';
export type UserDb = PrismaClient;

/** The user subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: CreateDbOptions): UserDb {
  const adapter = pgAdapter('user', { connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  return withQueryEvents(options.onQuery, (log) => new PrismaClient({ adapter, log, ...PRISMA_CLIENT_OPTIONS }));
}
