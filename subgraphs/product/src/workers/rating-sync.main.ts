// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { postgresCheck, runWorkerProcess } from '@commerce/common';
import { createDb } from '../db';
import { loadProductConfig } from '../env';
import { RatingSyncService } from '../services/rating-sync.service';
import { createRatingSyncWorker } from './rating-sync.worker';

// One rating-sync worker process; run more of them (npm run worker:ratings) to scale out.
runWorkerProcess('rating-sync worker', loadProductConfig, async ({ config, connection, logger }) => {
  const db = createDb({ connectionString: config.PRODUCT_DATABASE_URL });
  const worker = createRatingSyncWorker({
    ratings: new RatingSyncService(db),
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.RATING_SYNC_CONCURRENCY,
    logger,
  });
  return {
    worker,
    ready: { concurrency: config.RATING_SYNC_CONCURRENCY },
    close: () => db.$disconnect(),
    readinessChecks: { postgres: postgresCheck(db) },
  };
});
