import {
  QueueName,
  openQueue,
  loadTypeDefs,
  postgresCheck,
  redisCheck,
  startSubgraphServer,
  type ProductRatingJob,
  type Redis,
  type RunningServer,
  type SubgraphListenOptions,
} from '@commerce/common';
import type { ReviewDb } from './db';
import { createContextFactory } from './context';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

export interface ReviewSubgraphOptions extends SubgraphListenOptions {
  db: ReviewDb;
  /** Connection for the rating-snapshot queue (not a subscriber). */
  redis: Redis;
  /** REDIS_PREFIX: the queue's key prefix, shared with the product subgraph's rating-sync worker. */
  redisPrefix: string;
  /** The product subgraph, asked whether a product can be reviewed. */
  productSubgraphUrl: string;
}

/** Starts the review subgraph on `port` (0: any free port). Closing it also closes its queue. */
export async function startReviewSubgraph({
  db,
  redis,
  redisPrefix,
  productSubgraphUrl,
  ...listen
}: ReviewSubgraphOptions): Promise<RunningServer> {
  const ratingQueue = openQueue<ProductRatingJob>(QueueName.productRatings, redis, redisPrefix);
  const server = await startSubgraphServer({
    ...listen,
    name: 'review',
    typeDefs,
    resolvers,
    createContext: createContextFactory({
      db,
      ratingQueue,
      productSubgraphUrl,
      internalSecret: listen.internalSecret,
      logger: listen.logger,
    }),
    readinessChecks: { postgres: postgresCheck(db), redis: redisCheck(redis) },
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      await ratingQueue.close();
    },
  };
}
