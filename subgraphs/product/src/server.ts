import { loadTypeDefs, startSubgraphServer, type RunningServer, type SubgraphListenOptions } from '@commerce/common';
import type { ProductDb } from './db';
import { createContextFactory } from './context';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** Starts the product subgraph on `port` (0: any free port). */
export function startProductSubgraph({ db, ...listen }: SubgraphListenOptions & { db: ProductDb }): Promise<RunningServer> {
  return startSubgraphServer({ ...listen, name: 'product', typeDefs, resolvers, createContext: createContextFactory(db) });
}
