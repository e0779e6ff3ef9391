// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { SigningKeySet, createLogger, createRedis, devSigningKeys, parseSigningKeys, runProcess, serveMetrics } from '@commerce/common';
import { createDb } from './db';
import { loadUserConfig } from './env';
import { startUserSubgraph } from './server';

const logger = createLogger('user-subgraph');

runProcess(logger, async () => {
  const config = loadUserConfig();
  logger.level = config.LOG_LEVEL;
  const metrics = await serveMetrics(config, logger);
  const db = createDb({ connectionString: config.USER_DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, 'user-subgraph');
  const signingKeys = new SigningKeySet(
    config.AUTH_SIGNING_KEYS ? parseSigningKeys(config.AUTH_SIGNING_KEYS) : devSigningKeys(config.AUTH_DEV_KEY_FILE),
  );
  const server = await startUserSubgraph({
    db,
    signingKeys,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    port: config.USER_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    healthCheckTimeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
    cartSubgraphUrl: config.CART_SUBGRAPH_URL,
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
