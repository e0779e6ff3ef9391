import {
  loadTypeDefs,
  postgresCheck,
  redisCheck,
  startSubgraphServer,
  type Redis,
  type RunningServer,
  type SubgraphListenOptions,
} from '@commerce/common';
import type { OrderDb } from './db';
import type { Context, OrderApi } from './context';
import { resolvers } from './resolvers';
import { orderLoaders } from './loaders';

export const typeDefs = loadTypeDefs(__dirname);

/** What the order subgraph's readiness checks: its database and the Redis of its outbox relay and queues. */
export interface OrderDependencies {
  db: OrderDb;
  redis: Redis;
}

/** Starts the order subgraph on `port` (0: any free port). */
export function startOrderSubgraph({
  orders,
  coupons,
  rates,
  cartPricing,
  returns,
  db,
  redis,
  ...listen
}: SubgraphListenOptions & OrderApi & OrderDependencies): Promise<RunningServer> {
  const api: OrderApi = { orders, coupons, rates, cartPricing, returns };
  return startSubgraphServer<Context>({
    ...listen,
    name: 'order',
    typeDefs,
    resolvers,
    createContext: (base) => ({ ...base, ...api, loaders: orderLoaders(db, returns) }),
    readinessChecks: { postgres: postgresCheck(db), redis: redisCheck(redis) },
  });
}
