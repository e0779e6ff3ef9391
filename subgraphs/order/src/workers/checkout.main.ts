// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { breakerCheck, postgresCheck, redisCheck, runWorkerProcess } from '@commerce/common';
import { loadOrderConfig } from '../env';
import { createOrderRuntime } from '../services';
import { createCheckoutWorker } from './checkout.worker';

// One checkout worker process; run more of them (npm run worker:checkout) to scale out. Each
// also runs an outbox relay and the reconciler (both safe to run in any number of processes).
runWorkerProcess('checkout worker', loadOrderConfig, async ({ config, connection, logger }) => {
  const runtime = createOrderRuntime(config, logger, 'checkout-worker');
  const worker = createCheckoutWorker({
    processor: runtime.services.checkout,
    refunds: runtime.services.refunds,
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.CHECKOUT_CONCURRENCY,
    lockDurationMs: config.CHECKOUT_LOCK_MS,
    logger,
  });
  runtime.services.relay.start();
  runtime.services.reconciler.start();
  return {
    worker,
    ready: { concurrency: config.CHECKOUT_CONCURRENCY },
    close: runtime.close,
    // The saga's own connection (outbox relay, queues) besides the worker's.
    readinessChecks: { postgres: postgresCheck(runtime.db), 'redis:runtime': redisCheck(runtime.redis) },
    // Reported, not required: with a dependency down the worker still compensates and waits.
    reportedChecks: Object.fromEntries(Object.entries(runtime.services.breakers).map(([name, b]) => [`breaker:${name}`, breakerCheck(b)])),
  };
});
