export { createDb, type CartDb } from './db';
export { loadCartConfig, type CartConfig } from './env';
export { startCartSubgraph, typeDefs } from './server';
export { DEFAULT_GUEST_CART_TTL_MS, type CartSubgraphOptions } from './server';
export { guestCartTtlMs } from './env';
export { GuestCartExpiry, type SweepResult } from './services/guest-cart-expiry';
export { GUEST_CART_EXPIRY_SCHEDULER, createGuestCartExpiryWorker, type GuestCartExpiryWorker } from './workers/guest-cart-expiry.worker';
