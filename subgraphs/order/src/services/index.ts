import { Queue } from 'bullmq';
import {
  QueueName,
  bullPrefix,
  createRedis,
  createServiceClient,
  defaultJobOptions,
  type CheckoutJob,
  type Logger,
  type OrderNotificationJob,
  type PurchaseJob,
  type Redis,
} from '@commerce/common';
import { createDb, type OrderDb } from '../db';
import type { OrderConfig } from '../env';
import { CheckoutProcessor } from './checkout.processor';
import { CartClient, InventoryClient } from './clients';
import { OrderEventPublisher } from './order-events';
import { OrderRepository } from './order.repository';
import { OrderService } from './order.service';

export interface OrderServicesOptions {
  db: OrderDb;
  /** Connection for queues and publishing (not a subscriber). */
  redis: Redis;
  redisPrefix: string;
  internalSecret: string;
  cartSubgraphUrl: string;
  productSubgraphUrl: string;
  logger: Logger;
}

/** Wires the order subgraph's services; the API process and the checkout worker share it. */
export function createOrderServices(options: OrderServicesOptions) {
  const client = (url: string) => createServiceClient({ url, service: 'order-subgraph', secret: options.internalSecret });
  const queueOptions = { connection: options.redis, prefix: bullPrefix(options.redisPrefix), defaultJobOptions };
  const checkoutQueue = new Queue<CheckoutJob>(QueueName.checkout, queueOptions);
  const notificationQueue = new Queue<OrderNotificationJob>(QueueName.notifications, queueOptions);
  // Issue 6: purchases for the review subgraph's verified-purchase flag.
  const purchaseQueue = new Queue<PurchaseJob>(QueueName.purchases, queueOptions);
  const events = new OrderEventPublisher(options.redis, options.redisPrefix, options.logger);
  const carts = new CartClient(client(options.cartSubgraphUrl));
  const repository = new OrderRepository(options.db);
  return {
    orders: new OrderService(options.db, carts, checkoutQueue, events),
    checkout: new CheckoutProcessor(
      repository,
      new InventoryClient(client(options.productSubgraphUrl)),
      carts,
      events,
      notificationQueue,
      options.logger,
      purchaseQueue,
    ),
    close: async () => {
      await Promise.all([checkoutQueue.close(), notificationQueue.close(), purchaseQueue.close()]);
    },
  };
}
export type OrderServices = ReturnType<typeof createOrderServices>;

/** The order subgraph's database, Redis connection and services as its configuration describes them. */
export function createOrderRuntime(config: OrderConfig, logger: Logger, name: string) {
  const db = createDb({ connectionString: config.ORDER_DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, name);
  const services = createOrderServices({
    db,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    internalSecret: config.INTERNAL_JWT_SECRET,
    cartSubgraphUrl: config.CART_SUBGRAPH_URL,
    productSubgraphUrl: config.PRODUCT_SUBGRAPH_URL,
    logger,
  });
  return {
    services,
    close: async () => {
      await services.close();
      await redis.quit();
      await db.$disconnect();
    },
  };
}
