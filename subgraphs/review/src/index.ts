export { createDb, type ReviewDb } from './db';
export { loadReviewConfig, type ReviewConfig } from './env';
export { startReviewSubgraph, typeDefs } from './server';
export { seedReviews } from './seed';
