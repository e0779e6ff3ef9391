import type { Logger } from 'pino';
import { HealthRegistry, redisCheck, startHealthListener, type DependencyCheck } from './health';
import { runProcess } from './lifecycle';
import { createLogger } from './logger';
import { serveMetrics, type MetricsConfig } from './metrics';
import { createRedis, warnIfRedisMayEvict, type Redis } from './redis';

/** What a worker process runs: its BullMQ worker(s), what to log once ready, what else to close. */
export interface WorkerProcessParts {
  worker: { waitUntilReady(): Promise<unknown>; close(): Promise<void> };
  /** Extra fields of the ready log line (concurrency, …). */
  ready?: Record<string, unknown>;
  /** Closes what `start` opened besides the worker and the Redis connection (database pools…). */
  close?: () => Promise<void>;
  /** Readiness checks besides the worker's Redis connection (checked as `redis`), e.g. `postgres`. */
  readinessChecks?: Record<string, DependencyCheck>;
  /** Checks shown in /health/ready that do not decide it (`required: false`), e.g. circuit breakers. */
  reportedChecks?: Record<string, DependencyCheck>;
}

/** The variables {@link runWorkerProcess} reads from a worker's configuration (its subgraph's env.ts). */
export interface WorkerProcessConfig extends MetricsConfig {
  LOG_LEVEL: string;
  REDIS_URL: string;
  /** Interface of the health listener (default 127.0.0.1). */
  HOST?: string;
  /** Port of the health listener; unset: none (see workerEnvShape). */
  HEALTH_PORT?: number;
  HEALTH_CHECK_TIMEOUT_MS?: number;
  SHUTDOWN_DELAY_MS?: number;
}

/**
 * The main of one BullMQ worker process (scale out by starting more): reads its configuration
 * once, opens the blocking Redis connection BullMQ needs, warns unless Redis is `noeviction`,
 * starts the worker, serves `/health/live` and `/health/ready` on HEALTH_PORT when it is set,
 * logs `<name> ready` (with `health`, the listener's URL), and on SIGTERM/SIGINT fails readiness
 * first, waits SHUTDOWN_DELAY_MS, then closes the worker, which lets active jobs finish, so
 * nothing is left to stall. The health listener closes last: liveness answers throughout the drain.
 * With METRICS_PORT set it serves `/metrics` too (its workers' job and queue metrics, Node's defaults).
 * @param name e.g. `checkout worker`; the logger and the Redis connection are named after it.
 */
export function runWorkerProcess<C extends WorkerProcessConfig>(
  name: string,
  loadConfig: () => C,
  start: (context: { config: C; connection: Redis; logger: Logger }) => Promise<WorkerProcessParts>,
): void {
  const id = name.replace(/\s+/g, '-');
  const logger = createLogger(id);
  runProcess(logger, async () => {
    const config = loadConfig();
    logger.level = config.LOG_LEVEL;
    const metrics = await serveMetrics(config, logger);
    const connection = createRedis(config.REDIS_URL, id);
    await warnIfRedisMayEvict(connection, logger);
    const parts = await start({ config, connection, logger });
    await parts.worker.waitUntilReady();
    const health = new HealthRegistry({ timeoutMs: config.HEALTH_CHECK_TIMEOUT_MS });
    health.register('redis', redisCheck(connection));
    for (const [check, run] of Object.entries(parts.readinessChecks ?? {})) health.register(check, run);
    for (const [check, run] of Object.entries(parts.reportedChecks ?? {})) health.register(check, run, { required: false });
    const listener =
      config.HEALTH_PORT === undefined
        ? undefined
        : await startHealthListener(health, config.HEALTH_PORT, config.HOST ?? '127.0.0.1', logger);
    logger.info(
      { pid: process.pid, ...(listener ? { health: listener.url } : {}), ...(metrics ? { metrics: metrics.url } : {}), ...parts.ready },
      `${name} ready`,
    );
    return {
      health,
      shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
      stop: async () => {
        await parts.worker.close();
        await connection.quit();
        await parts.close?.();
        await listener?.close();
        await metrics?.close();
      },
    };
  });
}
