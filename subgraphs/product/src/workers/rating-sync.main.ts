import { createLogger, createRedis, runProcess, warnIfRedisMayEvict } from '@commerce/common';
import { createDb } from '../db';
import { loadProductConfig } from '../env';
import { RatingSyncService } from '../services/rating-sync.service';
import { createRatingSyncWorker } from './rating-sync.worker';

// One rating-sync worker process; run more of them (npm run worker:ratings) to scale out.
const logger = createLogger('rating-sync-worker');

runProcess(logger, async () => {
  const config = loadProductConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.PRODUCT_DATABASE_URL });
  const connection = createRedis(config.REDIS_URL, 'rating-sync-worker');
  await warnIfRedisMayEvict(connection, logger);
  const worker = createRatingSyncWorker({
    ratings: new RatingSyncService(db),
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.RATING_SYNC_CONCURRENCY,
    logger,
  });
  await worker.waitUntilReady();
  logger.info({ concurrency: config.RATING_SYNC_CONCURRENCY }, 'rating-sync worker ready');
  return async () => {
    await worker.close();
    await connection.quit();
    await db.$disconnect();
  };
});
