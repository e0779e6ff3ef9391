// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { existsSync, readFileSync } from 'node:fs';
import { createLogger, createRedis, runProcess, serveMetrics } from '@commerce/common';
import { jwksUrl, loadGatewayConfig, operationLimits, rateLimits } from './env';
import { startGateway } from './server';

const logger = createLogger('gateway');

runProcess(logger, async () => {
  const config = loadGatewayConfig();
  logger.level = config.LOG_LEVEL;
  const metrics = await serveMetrics(config, logger);
  if (!existsSync(config.SUPERGRAPH_PATH)) {
    throw new Error(`No supergraph at ${config.SUPERGRAPH_PATH}: run \`npm run compose\` first`);
  }
  const subscriber = createRedis(config.REDIS_URL, 'gateway-subscriber');
  const queueConnection = createRedis(config.REDIS_URL, 'gateway-queue-dashboard');
  const redis = createRedis(config.REDIS_URL, 'gateway');
  const gateway = await startGateway({
    supergraphSdl: readFileSync(config.SUPERGRAPH_PATH, 'utf8'),
    port: config.GATEWAY_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_JWT_SECRET,
    jwks: { url: jwksUrl(config) },
    subscriber,
    queueConnection,
    redis,
    limits: operationLimits(config),
    rateLimits: rateLimits(config),
    maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
    wsInitTimeoutMs: config.WS_INIT_TIMEOUT_MS,
    trustProxy: config.TRUST_PROXY_HOPS,
    redisPrefix: config.REDIS_PREFIX,
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    deduplicateFetches: config.GATEWAY_DEDUPLICATE_FETCHES === 'true',
    keepAliveMs: config.SUBSCRIPTION_KEEPALIVE_MS,
    maxPendingEvents: config.SUBSCRIPTION_MAX_PENDING_EVENTS,
    maxConcurrentEventQueries: config.SUBSCRIPTION_QUERY_CONCURRENCY,
    sharedResultWaitMs: config.SUBSCRIPTION_SHARED_RESULT_WAIT_MS,
    healthCheckTimeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
    subgraphReadiness: config.GATEWAY_READINESS_SUBGRAPHS,
    production: config.NODE_ENV === 'production',
    logger,
  });
  return {
    health: gateway.health,
    shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
    stop: async () => {
      await gateway.close();
      await metrics?.close();
      await queueConnection.quit();
      await redis.quit();
    },
  };
});
