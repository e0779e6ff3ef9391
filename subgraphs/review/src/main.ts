import { createLogger, exitOnStartupError, onShutdown } from '@commerce/common';
import { createDb } from './db';
import { loadReviewConfig } from './env';
import { startReviewSubgraph } from './server';

const logger = createLogger('review-subgraph');

async function main() {
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
  onShutdown(logger, async () => {
    await server.close();
    await db.$disconnect();
  });
}

main().catch(exitOnStartupError(logger));
