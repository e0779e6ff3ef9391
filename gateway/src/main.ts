import { existsSync, readFileSync } from 'node:fs';
import { createLogger, createRedis, runProcess } from '@commerce/common';
import { loadGatewayConfig } from './env';
import { startGateway } from './server';

const logger = createLogger('gateway');

runProcess(logger, async () => {
  const config = loadGatewayConfig();
  logger.level = config.LOG_LEVEL;
  if (!existsSync(config.SUPERGRAPH_PATH)) {
    throw new Error(`No supergraph at ${config.SUPERGRAPH_PATH}: run \`npm run compose\` first`);
  }
  const subscriber = createRedis(config.REDIS_URL, 'gateway-subscriber');
  const queueConnection = createRedis(config.REDIS_URL, 'gateway-queue-dashboard');
  const gateway = await startGateway({
    supergraphSdl: readFileSync(config.SUPERGRAPH_PATH, 'utf8'),
    port: config.GATEWAY_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    jwtSecret: config.JWT_SECRET,
    subscriber,
    queueConnection,
    redisPrefix: config.REDIS_PREFIX,
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    keepAliveMs: config.SUBSCRIPTION_KEEPALIVE_MS,
    maxPendingEvents: config.SUBSCRIPTION_MAX_PENDING_EVENTS,
    production: config.NODE_ENV === 'production',
    logger,
  });
  return async () => {
    await gateway.close();
    await queueConnection.quit();
  };
});
