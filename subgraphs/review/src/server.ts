import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { startSubgraphServer, type Logger, type RunningServer } from '@commerce/common';
import type { ReviewDb } from './db';
import { createContextFactory } from './context';
import { resolvers } from './resolvers';

export const typeDefs = parse(readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

/** Starts the review subgraph on `port` (0: any free port). */
export function startReviewSubgraph(options: {
  db: ReviewDb;
  port: number;
  host?: string;
  internalSecret: string;
  logger: Logger;
}): Promise<RunningServer> {
  return startSubgraphServer({
    name: 'review',
    typeDefs,
    resolvers,
    internalSecret: options.internalSecret,
    logger: options.logger,
    port: options.port,
    host: options.host,
    createContext: createContextFactory(options.db),
  });
}
