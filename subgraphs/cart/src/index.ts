export { createDb, type CartDb } from './db';
export { loadCartConfig, type CartConfig } from './env';
export { startCartSubgraph, typeDefs } from './server';
