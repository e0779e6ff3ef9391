import { createLogger, runProcess } from '@commerce/common';
import { createDb } from './db';
import { loadReviewConfig } from './env';
import { startReviewSubgraph } from './server';

const logger = createLogger('review-subgraph');

runProcess(logger, async () => {
  const config = loadReviewConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.REVIEW_DATABASE_URL });
  const server = await startReviewSubgraph({
    db,
    port: config.REVIEW_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    logger,
  });
  return async () => {
    await server.close();
    await db.$disconnect();
  };
});
