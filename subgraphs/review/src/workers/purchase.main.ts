import { createLogger, createRedis, runProcess, warnIfRedisMayEvict } from '@commerce/common';
import { createDb } from '../db';
import { loadReviewConfig } from '../env';
import { PurchaseService } from '../services/purchase.service';
import { createPurchaseWorker } from './purchase.worker';

// One purchase worker process; run more of them (npm run worker:purchases) to scale out.
const logger = createLogger('purchase-worker');

runProcess(logger, async () => {
  const config = loadReviewConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.REVIEW_DATABASE_URL });
  const connection = createRedis(config.REDIS_URL, 'purchase-worker');
  await warnIfRedisMayEvict(connection, logger);
  const worker = createPurchaseWorker({
    purchases: new PurchaseService(db),
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.PURCHASE_CONCURRENCY,
    logger,
  });
  await worker.waitUntilReady();
  logger.info({ concurrency: config.PURCHASE_CONCURRENCY }, 'purchase worker ready');
  return async () => {
    await worker.close();
    await connection.quit();
    await db.$disconnect();
  };
});
