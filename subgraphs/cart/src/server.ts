import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { createServiceClient, startSubgraphServer, type Logger, type RunningServer } from '@commerce/common';
import type { CartDb } from './db';
import type { Context } from './context';
import { CartService } from './services/cart.service';
import { ProductClient } from './services/product-client';
import { resolvers } from './resolvers';

export const typeDefs = parse(readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

/** Starts the cart subgraph on `port` (0: any free port); prices come from the product subgraph at `productSubgraphUrl`. */
export function startCartSubgraph(options: {
  db: CartDb;
  port: number;
  host?: string;
  internalSecret: string;
  productSubgraphUrl: string;
  logger: Logger;
}): Promise<RunningServer> {
  const products = new ProductClient(
    createServiceClient({ url: options.productSubgraphUrl, service: 'cart-subgraph', secret: options.internalSecret }),
  );
  const carts = new CartService(options.db, products);
  return startSubgraphServer<Context>({
    name: 'cart',
    typeDefs,
    resolvers,
    internalSecret: options.internalSecret,
    logger: options.logger,
    port: options.port,
    host: options.host,
    createContext: (base) => ({ ...base, carts }),
  });
}
