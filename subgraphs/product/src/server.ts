import {
  loadTypeDefs,
  postgresCheck,
  redisCheck,
  startSubgraphServer,
  type RunningServer,
  type SubgraphListenOptions,
} from '@commerce/common';
import { createContextFactory, type ProductServicesOptions } from './context';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** Starts the product subgraph on `port` (0: any free port); stock changes are published on `redis`. */
export function startProductSubgraph({
  db,
  redis,
  redisPrefix,
  ...listen
}: SubgraphListenOptions & Omit<ProductServicesOptions, 'logger'>): Promise<RunningServer> {
  return startSubgraphServer({
    ...listen,
    name: 'product',
    typeDefs,
    resolvers,
    createContext: createContextFactory({ db, redis, redisPrefix, logger: listen.logger }),
    readinessChecks: { postgres: postgresCheck(db), redis: redisCheck(redis) },
  });
}
