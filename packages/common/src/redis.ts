import { Redis } from 'ioredis';

export { Redis };

/**
 * An ioredis connection suitable for BullMQ (`maxRetriesPerRequest: null`, as BullMQ requires
 * for blocking commands) and for pub/sub. Each subscriber needs a connection of its own.
 */
export function createRedis(url: string, name?: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}

/**
 * Logs a warning unless Redis evicts nothing (`maxmemory-policy noeviction`): under memory
 * pressure any other policy silently deletes queued jobs (docs.bullmq.io/guide/going-to-production).
 * Managed Redis services that forbid CONFIG get a debug line instead.
 */
export async function warnIfRedisMayEvict(
  redis: Redis,
  logger: { warn: (o: object, m: string) => void; debug: (o: object, m: string) => void },
): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy !== 'noeviction') {
      logger.warn(
        { policy },
        'Redis maxmemory-policy is not noeviction: queued jobs can be evicted under memory pressure; set maxmemory-policy noeviction',
      );
    }
  } catch (err) {
    logger.debug({ err }, 'could not read Redis maxmemory-policy');
  }
}
