import { createLogger, runProcess } from '@commerce/common';
import { loadOrderConfig } from './env';
import { startOrderSubgraph } from './server';
import { createOrderRuntime } from './services';

const logger = createLogger('order-subgraph');

runProcess(logger, async () => {
  const config = loadOrderConfig();
  logger.level = config.LOG_LEVEL;
  const runtime = createOrderRuntime(config, logger, 'order-subgraph');
  const server = await startOrderSubgraph({
    orders: runtime.services.orders,
    port: config.ORDER_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    logger,
  });
  return async () => {
    await server.close();
    await runtime.close();
  };
});
