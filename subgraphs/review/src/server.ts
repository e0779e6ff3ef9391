import { loadTypeDefs, startSubgraphServer, type RunningServer, type SubgraphListenOptions } from '@commerce/common';
import type { ReviewDb } from './db';
import { createContextFactory } from './context';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** Starts the review subgraph on `port` (0: any free port). */
export function startReviewSubgraph({ db, ...listen }: SubgraphListenOptions & { db: ReviewDb }): Promise<RunningServer> {
  return startSubgraphServer({ ...listen, name: 'review', typeDefs, resolvers, createContext: createContextFactory(db) });
}
