// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { createLogger, createRedis, runProcess, serveMetrics } from '@commerce/common';
import { createDb } from './db';
import { loadProductConfig } from './env';
import { startProductSubgraph } from './server';

const logger = createLogger('product-subgraph');

runProcess(logger, async () => {
  const config = loadProductConfig();
  logger.level = config.LOG_LEVEL;
  const metrics = await serveMetrics(config, logger);
  const db = createDb({ connectionString: config.PRODUCT_DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, 'product-subgraph');
  const server = await startProductSubgraph({
    db,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    port: config.PRODUCT_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    healthCheckTimeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
    logger,
  });
  return {
    health: server.health,
    shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
    stop: async () => {
      await server.close();
      await metrics?.close();
      await redis.quit();
      await db.$disconnect();
    },
  };
});
