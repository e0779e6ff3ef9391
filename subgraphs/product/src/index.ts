export { createDb, type ProductDb } from './db';
export { loadProductConfig, type ProductConfig } from './env';
export { startProductSubgraph, typeDefs } from './server';
export { layOutSearchTable, seedProducts } from './seed';
export { RatingSyncService } from './services/rating-sync.service';
export { createRatingSyncWorker } from './workers/rating-sync.worker';
