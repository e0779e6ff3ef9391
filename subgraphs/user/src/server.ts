import { loadTypeDefs, startSubgraphServer, type RunningServer, type SubgraphListenOptions } from '@commerce/common';
import type { UserDb } from './db';
import { createContextFactory } from './context';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** Starts the user subgraph on `port` (0: any free port). */
export function startUserSubgraph({
  db,
  jwtSecret,
  ...listen
}: SubgraphListenOptions & { db: UserDb; jwtSecret: string }): Promise<RunningServer> {
  return startSubgraphServer({
    ...listen,
    name: 'user',
    typeDefs,
    resolvers,
    createContext: createContextFactory(db, jwtSecret, listen.logger),
  });
}
