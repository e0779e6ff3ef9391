// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { createLogger, runProcess, serveMetrics } from '@commerce/common';
import { createDb } from './db';
import { guestCartTtlMs, loadCartConfig } from './env';
import { startCartSubgraph } from './server';

const logger = createLogger('cart-subgraph');

runProcess(logger, async () => {
  const config = loadCartConfig();
  logger.level = config.LOG_LEVEL;
  const metrics = await serveMetrics(config, logger);
  const db = createDb({ connectionString: config.CART_DATABASE_URL });
  const server = await startCartSubgraph({
    db,
    port: config.CART_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    healthCheckTimeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
    productSubgraphUrl: config.PRODUCT_SUBGRAPH_URL,
    guestCartTtlMs: guestCartTtlMs(config),
    logger,
  });
  return {
    health: server.health,
    shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
    stop: async () => {
      await server.close();
      await metrics?.close();
      await db.$disconnect();
    },
  };
});
