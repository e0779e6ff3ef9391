import { createLogger, runProcess } from '@commerce/common';
import { createDb } from './db';
import { loadProductConfig } from './env';
import { startProductSubgraph } from './server';

const logger = createLogger('product-subgraph');

runProcess(logger, async () => {
  const config = loadProductConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.PRODUCT_DATABASE_URL });
  const server = await startProductSubgraph({
    db,
    port: config.PRODUCT_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    logger,
  });
  return async () => {
    await server.close();
    await db.$disconnect();
  };
});
