import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { startSubgraphServer, type Logger, type RunningServer } from '@commerce/common';
import type { Context } from './context';
import type { OrderService } from './services/order.service';
import { resolvers } from './resolvers';

export const typeDefs = parse(readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

/** Starts the order subgraph on `port` (0: any free port). */
export function startOrderSubgraph(options: {
  orders: OrderService;
  port: number;
  host?: string;
  internalSecret: string;
  logger: Logger;
}): Promise<RunningServer> {
  return startSubgraphServer<Context>({
    name: 'order',
    typeDefs,
    resolvers,
    internalSecret: options.internalSecret,
    logger: options.logger,
    port: options.port,
    host: options.host,
    createContext: (base) => ({ ...base, orders: options.orders }),
  });
}
