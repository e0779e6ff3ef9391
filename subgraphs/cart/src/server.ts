import {
  createServiceClient,
  loadTypeDefs,
  postgresCheck,
  startSubgraphServer,
  type RunningServer,
  type SubgraphListenOptions,
} from '@commerce/common';
import type { CartDb } from './db';
import type { Context } from './context';
import { CartService } from './services/cart.service';
import { ProductClient } from './services/product-client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** Starts the cart subgraph on `port` (0: any free port); prices come from the product subgraph at `productSubgraphUrl`. */
export function startCartSubgraph({
  db,
  productSubgraphUrl,
  ...listen
}: SubgraphListenOptions & { db: CartDb; productSubgraphUrl: string }): Promise<RunningServer> {
  const products = new ProductClient(
    createServiceClient({ url: productSubgraphUrl, service: 'cart-subgraph', secret: listen.internalSecret }),
  );
  const carts = new CartService(db, products);
  return startSubgraphServer<Context>({
    ...listen,
    name: 'cart',
    typeDefs,
    resolvers,
    createContext: (base) => ({ ...base, carts }),
    // The cart subgraph uses no Redis.
    readinessChecks: { postgres: postgresCheck(db) },
  });
}
