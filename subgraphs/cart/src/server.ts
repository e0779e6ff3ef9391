import {
  cartTokenFrom,
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
import { GuestCartService } from './services/guest-cart.service';
import { ProductClient } from './services/product-client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

export interface CartSubgraphOptions extends SubgraphListenOptions {
  db: CartDb;
  /** The product subgraph: prices, and the stock a guest cart merge caps quantities at. */
  productSubgraphUrl: string;
  /** How long a guest cart lives after its last change, in ms (GUEST_CART_TTL_DAYS; default 30 days). */
  guestCartTtlMs?: number;
}

/** The default guest cart lifetime: 30 days (issue 11), in ms. */
export const DEFAULT_GUEST_CART_TTL_MS = 30 * 24 * 3_600_000;

/** Starts the cart subgraph on `port` (0: any free port); prices come from the product subgraph at `productSubgraphUrl`. */
export function startCartSubgraph({ db, productSubgraphUrl, guestCartTtlMs, ...listen }: CartSubgraphOptions): Promise<RunningServer> {
  const products = new ProductClient(
    createServiceClient({ url: productSubgraphUrl, service: 'cart-subgraph', secret: listen.internalSecret }),
  );
  const ttl = { guestCartTtlMs: guestCartTtlMs ?? DEFAULT_GUEST_CART_TTL_MS };
  const carts = new CartService(db, products, ttl);
  const guestCarts = new GuestCartService(db, carts, products, ttl);
  return startSubgraphServer<Context>({
    ...listen,
    name: 'cart',
    typeDefs,
    resolvers,
    createContext: (base, { headers }) => {
      const cartToken = cartTokenFrom(headers);
      return { ...base, carts, guestCarts, shopper: { caller: base.caller, ...(cartToken ? { cartToken } : {}) } };
    },
    // The cart subgraph uses no Redis.
    readinessChecks: { postgres: postgresCheck(db) },
  });
}
