import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { startSubgraphServer, type Logger, type RunningServer } from '@commerce/common';
import type { UserDb } from './db';
import { createContextFactory } from './context';
import { resolvers } from './resolvers';

export const typeDefs = parse(readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

/** Starts the user subgraph on `port` (0: any free port). */
export function startUserSubgraph(options: {
  db: UserDb;
  port: number;
  host?: string;
  internalSecret: string;
  jwtSecret: string;
  logger: Logger;
}): Promise<RunningServer> {
  return startSubgraphServer({
    name: 'user',
    typeDefs,
    resolvers,
    internalSecret: options.internalSecret,
    logger: options.logger,
    port: options.port,
    host: options.host,
    createContext: createContextFactory(options.db, options.jwtSecret, options.logger),
  });
}
