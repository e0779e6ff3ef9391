// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { QueueName, createLogger, openQueue, createRedis, exitOnStartupError, type ProductRatingJob } from '@commerce/common';
import { createDb } from '../db';
import { loadReviewConfig } from '../env';
import { RatingPublisher } from '../services/rating-publisher';

// npm run ratings:resend — one-shot: enqueues every product's current rating snapshot again for the
// product subgraph's rating-sync worker, which applies only those newer than its copy.
const logger = createLogger('rating-resend');

async function main(): Promise<void> {
  const config = loadReviewConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.REVIEW_DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, 'rating-resend');
  const queue = openQueue<ProductRatingJob>(QueueName.productRatings, redis, config.REDIS_PREFIX);
  try {
    const sent = await new RatingPublisher(queue, logger).resendAll(db);
    logger.info({ sent }, 'rating snapshots enqueued');
  } finally {
    await queue.close();
    await redis.quit();
    await db.$disconnect();
  }
}

main().catch(exitOnStartupError(logger));
