import { Redis } from 'ioredis';

export { Redis };

/**
 * An ioredis connection suitable for BullMQ (`maxRetriesPerRequest: null`, as BullMQ requires
 * for blocking commands) and for pub/sub. Each subscriber needs a connection of its own.
 */
export function createRedis(url: string, name?: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}
