// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import { postgresCheck, runWorkerProcess } from '@commerce/common';
import { createDb } from '../db';
import { guestCartTtlMs, loadCartConfig } from '../env';
import { GuestCartExpiry } from '../services/guest-cart-expiry';
import { createGuestCartExpiryWorker } from './guest-cart-expiry.worker';

// The guest-cart expiry worker process (npm run worker:guest-carts); one is enough, more share the schedule.
runWorkerProcess('guest-cart expiry worker', loadCartConfig, async ({ config, connection, logger }) => {
  const db = createDb({ connectionString: config.CART_DATABASE_URL, maxConnections: 2 });
  const worker = await createGuestCartExpiryWorker({
    expiry: new GuestCartExpiry(db, { guestCartTtlMs: guestCartTtlMs(config) }),
    connection,
    prefix: config.REDIS_PREFIX,
    everyMs: config.GUEST_CART_SWEEP_INTERVAL_MS,
    logger,
  });
  return {
    worker,
    ready: { ttlDays: config.GUEST_CART_TTL_DAYS, everyMs: config.GUEST_CART_SWEEP_INTERVAL_MS },
    close: () => db.$disconnect(),
    readinessChecks: { postgres: postgresCheck(db) },
  };
});
