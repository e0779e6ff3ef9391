// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { createLogger, runProcess, warnIfRedisMayEvict, serveMetrics } from '@commerce/common';
import { loadOrderConfig } from './env';
import { startOrderSubgraph } from './server';
import { createOrderRuntime } from './services';

const logger = createLogger('order-subgraph');

runProcess(logger, async () => {
  const config = loadOrderConfig();
  logger.level = config.LOG_LEVEL;
  const metrics = await serveMetrics(config, logger);
  const runtime = createOrderRuntime(config, logger, 'order-subgraph');
  await warnIfRedisMayEvict(runtime.redis, logger);
  // Dispatches the outbox of orders created here at once; worker processes run the reconciler.
  runtime.services.relay.start();
  const server = await startOrderSubgraph({
    orders: runtime.services.orders,
    coupons: runtime.services.coupons,
    rates: runtime.services.rates,
    cartPricing: runtime.services.cartPricing,
    returns: runtime.services.returns,
    db: runtime.db,
    redis: runtime.redis,
    port: config.ORDER_PORT,
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
      await runtime.close();
    },
  };
});
