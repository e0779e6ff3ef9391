import type { Logger } from 'pino';
import { runProcess } from './lifecycle';
import { createLogger } from './logger';
import { createRedis, warnIfRedisMayEvict, type Redis } from './redis';

/** What a worker process runs: its BullMQ worker(s), what to log once ready, what else to close. */
export interface WorkerProcessParts {
  worker: { waitUntilReady(): Promise<unknown>; close(): Promise<void> };
  /** Extra fields of the ready log line (concurrency, …). */
  ready?: Record<string, unknown>;
  /** Closes what `start` opened besides the worker and the Redis connection (database pools…). */
  close?: () => Promise<void>;
}

/**
 * The main of one BullMQ worker process (scale out by starting more): reads its configuration
 * once, opens the blocking Redis connection BullMQ needs, warns unless Redis is `noeviction`,
 * starts the worker, logs `<name> ready`, and on SIGTERM/SIGINT closes the worker first, which
 * lets active jobs finish, so nothing is left to stall.
 * @param name e.g. `checkout worker`; the logger and the Redis connection are named after it.
 */
export function runWorkerProcess<C extends { LOG_LEVEL: string; REDIS_URL: string }>(
  name: string,
  loadConfig: () => C,
  start: (context: { config: C; connection: Redis; logger: Logger }) => Promise<WorkerProcessParts>,
): void {
  const id = name.replace(/\s+/g, '-');
  const logger = createLogger(id);
  runProcess(logger, async () => {
    const config = loadConfig();
    logger.level = config.LOG_LEVEL;
    const connection = createRedis(config.REDIS_URL, id);
    await warnIfRedisMayEvict(connection, logger);
    const parts = await start({ config, connection, logger });
    await parts.worker.waitUntilReady();
    logger.info({ pid: process.pid, ...parts.ready }, `${name} ready`);
    return async () => {
      await parts.worker.close();
      await connection.quit();
      await parts.close?.();
    };
  });
}
