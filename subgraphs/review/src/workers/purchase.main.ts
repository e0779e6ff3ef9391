// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { postgresCheck, runWorkerProcess } from '@commerce/common';
import { createDb } from '../db';
import { loadReviewConfig } from '../env';
import { PurchaseService } from '../services/purchase.service';
import { createPurchaseWorker } from './purchase.worker';

// One purchase worker process; run more of them (npm run worker:purchases) to scale out.
runWorkerProcess('purchase worker', loadReviewConfig, async ({ config, connection, logger }) => {
  const db = createDb({ connectionString: config.REVIEW_DATABASE_URL });
  const worker = createPurchaseWorker({
    purchases: new PurchaseService(db),
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.PURCHASE_CONCURRENCY,
    logger,
  });
  return {
    worker,
    ready: { concurrency: config.PURCHASE_CONCURRENCY },
    close: () => db.$disconnect(),
    readinessChecks: { postgres: postgresCheck(db) },
  };
});
