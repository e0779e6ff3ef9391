import {
  Breaker,
  DEFAULT_BREAKER_SETTINGS,
  QueueName,
  breakerSettings,
  createRedis,
  createServiceClient,
  isServiceFailure,
  openQueue,
  type BreakerSettings,
  type Logger,
  type Redis,
} from '@commerce/common';
import { createDb, type OrderDb } from '../db';
import type { OrderConfig } from '../env';
import { CheckoutProcessor } from './checkout.processor';
import { CartPricing } from './cart-pricing';
import { CartClient, InventoryClient, ProductClient, UserClient } from './clients';
import { CouponService } from './coupons';
import { OrderRepository } from './order.repository';
import { OrderService } from './order.service';
import { OutboxRelay, type OutboxQueues } from './outbox';
import { ShippingRates } from './rates';
import { ShippingAddresses } from './shipping-address';
import { GuardedPaymentProvider, SimulatedPaymentProvider, type PaymentProvider } from './payments';
import { Reconciler, type ReconcilerOptions } from './reconciler';
import { RefundProcessor } from './returns/refund.processor';
import { ReturnsService } from './returns/returns.service';
import { watchOutbox } from './order-metrics';

export interface OrderServicesOptions {
  db: OrderDb;
  /** Connection for queues and publishing (not a subscriber). */
  redis: Redis;
  redisPrefix: string;
  internalSecret: string;
  cartSubgraphUrl: string;
  productSubgraphUrl: string;
  /** Saved shipping addresses are read from the user subgraph. */
  userSubgraphUrl: string;
  logger: Logger;
  /** Defaults to the simulated provider on this database. */
  payments?: PaymentProvider;
  /** Simulated provider settings, in ms. */
  paymentTimeoutMs?: number;
  paymentLatencyMs?: number;
  outboxPollMs?: number;
  reconciler?: Partial<ReconcilerOptions>;
  /** Circuit breakers of the calls to product, cart, user and the payment provider (default {@link DEFAULT_BREAKER_SETTINGS}). */
  breakers?: Partial<BreakerSettings>;
}

/** Wires the order subgraph's services; the API process and the checkout worker share it. */
export function createOrderServices(options: OrderServicesOptions) {
  const settings: BreakerSettings = { ...DEFAULT_BREAKER_SETTINGS, ...options.breakers };
  // One breaker per dependency, shared by every client of it in this process.
  const serviceBreaker = (name: string) => new Breaker({ name, settings, logger: options.logger, isFailure: isServiceFailure });
  const breakers = { product: serviceBreaker('product'), cart: serviceBreaker('cart'), user: serviceBreaker('user') };
  const client = (url: string, breaker: Breaker) =>
    createServiceClient({ url, service: 'order-subgraph', secret: options.internalSecret, breaker });
  const queue = (name: keyof OutboxQueues) => openQueue(name, options.redis, options.redisPrefix);
  const queues: OutboxQueues = {
    [QueueName.checkout]: queue(QueueName.checkout),
    [QueueName.notifications]: queue(QueueName.notifications),
    [QueueName.purchases]: queue(QueueName.purchases),
  };
  const relay = new OutboxRelay(options.db, queues, options.redis, options.redisPrefix, options.logger, {
    pollMs: options.outboxPollMs ?? 500,
    batchSize: 200,
  });
  const committed = () => relay.kick();
  const stopOutboxMetrics = watchOutbox(options.db);
  const payments = new GuardedPaymentProvider(
    options.payments ??
      new SimulatedPaymentProvider(options.db, { timeoutMs: options.paymentTimeoutMs ?? 10_000, latencyMs: options.paymentLatencyMs ?? 0 }),
    settings,
    options.logger,
  );
  const carts = new CartClient(client(options.cartSubgraphUrl, breakers.cart));
  const products = new ProductClient(client(options.productSubgraphUrl, breakers.product));
  const users = new UserClient(client(options.userSubgraphUrl, breakers.user));
  const addresses = new ShippingAddresses(users);
  const coupons = new CouponService(options.db);
  const rates = new ShippingRates(options.db);
  const repository = new OrderRepository(options.db);
  const inventory = new InventoryClient(client(options.productSubgraphUrl, breakers.product));
  const checkout = new CheckoutProcessor(repository, inventory, carts, coupons, payments, committed, options.logger, users);
  const reconciler = new Reconciler(options.db, queues, checkout, options.logger, {
    intervalMs: 15_000,
    recheckAfterMs: 10_000,
    pendingMaxAgeMs: 15 * 60_000,
    batchSize: 500,
    ...options.reconciler,
  });
  return {
    orders: new OrderService({ repository, carts, products, coupons, rates, addresses, committed }),
    coupons,
    rates,
    cartPricing: new CartPricing(coupons, rates, addresses, carts, products),
    checkout,
    returns: new ReturnsService(options.db, committed),
    refunds: new RefundProcessor(options.db, payments, inventory, committed, options.logger),
    payments,
    /** The circuit breakers, by dependency (for readiness reports and tests). */
    breakers: { ...breakers, payment: payments.breaker },
    relay,
    reconciler,
    queues,
    close: async () => {
      for (const breaker of [...Object.values(breakers), payments.breaker]) breaker.shutdown();
      stopOutboxMetrics();
      await reconciler.stop();
      await relay.stop();
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}
export type OrderServices = ReturnType<typeof createOrderServices>;

/** The order subgraph's database, Redis connection and services as its configuration describes them. */
export function createOrderRuntime(config: OrderConfig, logger: Logger, name: string) {
  const db = createDb({ connectionString: config.ORDER_DATABASE_URL, maxConnections: config.ORDER_DATABASE_POOL_SIZE });
  const redis = createRedis(config.REDIS_URL, name);
  const services = createOrderServices({
    db,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    internalSecret: config.INTERNAL_JWT_SECRET,
    cartSubgraphUrl: config.CART_SUBGRAPH_URL,
    productSubgraphUrl: config.PRODUCT_SUBGRAPH_URL,
    userSubgraphUrl: config.USER_SUBGRAPH_URL,
    logger,
    paymentTimeoutMs: config.PAYMENT_TIMEOUT_MS,
    paymentLatencyMs: config.PAYMENT_SIMULATED_LATENCY_MS,
    outboxPollMs: config.OUTBOX_POLL_MS,
    breakers: breakerSettings(config),
    reconciler: {
      intervalMs: config.RECONCILE_INTERVAL_MS,
      recheckAfterMs: config.RECONCILE_RECHECK_AFTER_MS,
      pendingMaxAgeMs: config.PENDING_ORDER_MAX_AGE_MS,
    },
  });
  return {
    db,
    redis,
    services,
    close: async () => {
      await services.close();
      await redis.quit();
      await db.$disconnect();
    },
  };
}
