import { createLogger, createRedis, exitOnStartupError, onShutdown } from '@commerce/common';
import { createDb } from './db';
import { loadOrderConfig } from './env';
import { startOrderSubgraph } from './server';
import { createOrderServices } from './services';

const logger = createLogger('order-subgraph');

async function main() {
  const config = loadOrderConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.ORDER_DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, 'order-subgraph');
  const services = createOrderServices({
    db,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    internalSecret: config.INTERNAL_JWT_SECRET,
    cartSubgraphUrl: config.CART_SUBGRAPH_URL,
    productSubgraphUrl: config.PRODUCT_SUBGRAPH_URL,
    logger,
  });
  const server = await startOrderSubgraph({
    orders: services.orders,
    port: config.ORDER_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    logger,
  });
  onShutdown(logger, async () => {
    await server.close();
    await services.close();
    await redis.quit();
    await db.$disconnect();
  });
}

main().catch(exitOnStartupError(logger));
