// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { createLogger, createRedis, runProcess, serveMetrics } from '@commerce/common';
import { createDb } from './db';
import { loadReviewConfig } from './env';
import { startReviewSubgraph } from './server';

const logger = createLogger('review-subgraph');

runProcess(logger, async () => {
  const config = loadReviewConfig();
  logger.level = config.LOG_LEVEL;
  const metrics = await serveMetrics(config, logger);
  const db = createDb({ connectionString: config.REVIEW_DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, 'review-subgraph');
  const server = await startReviewSubgraph({
    db,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    productSubgraphUrl: config.PRODUCT_SUBGRAPH_URL,
    port: config.REVIEW_PORT,
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
