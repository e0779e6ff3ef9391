import { createLogger, createRedis, exitOnStartupError, onShutdown } from '@commerce/common';
import { createDb } from '../db';
import { loadOrderConfig } from '../env';
import { createOrderServices } from '../services';
import { createCheckoutWorker } from './checkout.worker';

// One checkout worker process; run more of them (npm run worker:checkout) to scale out.
const logger = createLogger('checkout-worker');

async function main() {
  const config = loadOrderConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.ORDER_DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, 'checkout-worker');
  const services = createOrderServices({
    db,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    internalSecret: config.INTERNAL_JWT_SECRET,
    cartSubgraphUrl: config.CART_SUBGRAPH_URL,
    productSubgraphUrl: config.PRODUCT_SUBGRAPH_URL,
    logger,
  });
  const worker = createCheckoutWorker({
    processor: services.checkout,
    connection: createRedis(config.REDIS_URL, 'checkout-worker-blocking'),
    prefix: config.REDIS_PREFIX,
    concurrency: config.CHECKOUT_CONCURRENCY,
    logger,
  });
  await worker.waitUntilReady();
  logger.info({ concurrency: config.CHECKOUT_CONCURRENCY }, 'checkout worker ready');
  onShutdown(logger, async () => {
    // Lets active jobs finish before the connection goes.
    await worker.close();
    await services.close();
    await redis.quit();
    await db.$disconnect();
  });
}

main().catch(exitOnStartupError(logger));
