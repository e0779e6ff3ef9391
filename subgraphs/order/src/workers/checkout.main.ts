import { createLogger, createRedis, runProcess, warnIfRedisMayEvict } from '@commerce/common';
import { loadOrderConfig } from '../env';
import { createOrderRuntime } from '../services';
import { createCheckoutWorker } from './checkout.worker';

// One checkout worker process; run more of them (npm run worker:checkout) to scale out. Each
// also runs an outbox relay and the reconciler (both safe to run in any number of processes).
const logger = createLogger('checkout-worker');

runProcess(logger, async () => {
  const config = loadOrderConfig();
  logger.level = config.LOG_LEVEL;
  const runtime = createOrderRuntime(config, logger, 'checkout-worker');
  await warnIfRedisMayEvict(runtime.redis, logger);
  const connection = createRedis(config.REDIS_URL, 'checkout-worker-blocking');
  const worker = createCheckoutWorker({
    processor: runtime.services.checkout,
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.CHECKOUT_CONCURRENCY,
    lockDurationMs: config.CHECKOUT_LOCK_MS,
    logger,
  });
  await worker.waitUntilReady();
  runtime.services.relay.start();
  runtime.services.reconciler.start();
  logger.info({ concurrency: config.CHECKOUT_CONCURRENCY, pid: process.pid }, 'checkout worker ready');
  return async () => {
    // Active jobs finish before close() resolves, so nothing is left to stall.
    await worker.close();
    await connection.quit();
    await runtime.close();
  };
});
