export { createDb, type OrderDb } from './db';
export { loadOrderConfig, type OrderConfig } from './env';
export { startOrderSubgraph, typeDefs } from './server';
export { createOrderServices, type OrderServices } from './services';
export { createCheckoutWorker } from './workers/checkout.worker';
export { Reconciler, type ReconcilerOptions, type ReconcileResult } from './services/reconciler';
export { seedCoupons, SEED_COUPONS } from './seed';
