import { loadTypeDefs, startSubgraphServer, type RunningServer, type SubgraphListenOptions } from '@commerce/common';
import type { Context, OrderApi } from './context';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** Starts the order subgraph on `port` (0: any free port). */
export function startOrderSubgraph({
  orders,
  coupons,
  rates,
  cartPricing,
  ...listen
}: SubgraphListenOptions & OrderApi): Promise<RunningServer> {
  const api: OrderApi = { orders, coupons, rates, cartPricing };
  return startSubgraphServer<Context>({ ...listen, name: 'order', typeDefs, resolvers, createContext: (base) => ({ ...base, ...api }) });
}
