import { createLogger, createRedis, runProcess } from '@commerce/common';
import { loadOrderConfig } from '../env';
import { createOrderRuntime } from '../services';
import { createCheckoutWorker } from './checkout.worker';

// One checkout worker process; run more of them (npm run worker:checkout) to scale out.
const logger = createLogger('checkout-worker');

runProcess(logger, async () => {
  const config = loadOrderConfig();
  logger.level = config.LOG_LEVEL;
  const runtime = createOrderRuntime(config, logger, 'checkout-worker');
  const connection = createRedis(config.REDIS_URL, 'checkout-worker-blocking');
  const worker = createCheckoutWorker({
    processor: runtime.services.checkout,
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.CHECKOUT_CONCURRENCY,
    logger,
  });
  await worker.waitUntilReady();
  logger.info({ concurrency: config.CHECKOUT_CONCURRENCY }, 'checkout worker ready');
  return async () => {
    // Lets active jobs finish before the connections go.
    await worker.close();
    await connection.quit();
    await runtime.close();
  };
});
