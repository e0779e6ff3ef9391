import { createLogger, runProcess } from '@commerce/common';
import { createDb } from './db';
import { loadUserConfig } from './env';
import { startUserSubgraph } from './server';

const logger = createLogger('user-subgraph');

runProcess(logger, async () => {
  const config = loadUserConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.USER_DATABASE_URL });
  const server = await startUserSubgraph({
    db,
    port: config.USER_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    jwtSecret: config.JWT_SECRET,
    logger,
  });
  return async () => {
    await server.close();
    await db.$disconnect();
  };
});
