export { createDb, type ReviewDb } from './db';
export { loadReviewConfig, type ReviewConfig } from './env';
export { startReviewSubgraph, typeDefs, type ReviewSubgraphOptions } from './server';
export { seedReviews } from './seed';
export { PurchaseService, lockUserPurchases } from './services/purchase.service';
export { createPurchaseWorker } from './workers/purchase.worker';
export { RatingPublisher } from './services/rating-publisher';
