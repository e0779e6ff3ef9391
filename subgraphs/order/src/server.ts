import { loadTypeDefs, startSubgraphServer, type RunningServer, type SubgraphListenOptions } from '@commerce/common';
import type { Context } from './context';
import type { OrderService } from './services/order.service';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** Starts the order subgraph on `port` (0: any free port). */
export function startOrderSubgraph({ orders, ...listen }: SubgraphListenOptions & { orders: OrderService }): Promise<RunningServer> {
  return startSubgraphServer<Context>({ ...listen, name: 'order', typeDefs, resolvers, createContext: (base) => ({ ...base, orders }) });
}
