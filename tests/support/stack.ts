import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'bullmq';
import {
  SigningKeySet,
  bearer,
  createLogger,
  createRedis,
  graphql,
  type BreakerSettings,
  type GraphQLResponse,
  type Redis,
} from '@commerce/common';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import { composeSupergraph, startGateway, type GatewayOptions, type RunningGateway } from '@commerce/gateway';
import * as cart from '@commerce/cart';
import * as order from '@commerce/order';
import * as product from '@commerce/product';
import * as review from '@commerce/review';
import * as user from '@commerce/user';
import { SUBGRAPHS, templateUrls, urlOf, type SubgraphName } from './databases';
import { TEST_SIGNING_KEY, TEST_SIGNING_KEYS_ENV } from './tokens';

export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef0123';

/** Gateway settings a suite may change; request budgets default to effectively unlimited, since suites hammer the stack. */
export type GatewayOverrides = Partial<
  Pick<
    GatewayOptions,
    | 'supergraphSdl'
    | 'limits'
    | 'rateLimits'
    | 'jwks'
    | 'maxBodyBytes'
    | 'wsInitTimeoutMs'
    | 'production'
    | 'keepAliveMs'
    | 'maxPendingEvents'
    | 'healthCheckTimeoutMs'
    | 'subgraphReadiness'
    | 'subgraphTimeoutMs'
    | 'deduplicateFetches'
    | 'sharedResultWaitMs'
  >
>;
const UNLIMITED = { perUser: { points: 1e9, durationSeconds: 60 }, perIp: { points: 1e9, durationSeconds: 60 } };

export type { GraphQLResponse };

export interface StackOptions {
  /** Gateway instances against the same subgraphs and Redis prefix, as in a scaled-out deployment (default 1). */
  gateways?: number;
  /** Extra gateway options (e.g. a small maxPendingEvents, limits), for every instance. */
  gateway?: GatewayOverrides;
  /** Simulated payment provider: timeout and added latency of each call, in ms. */
  paymentTimeoutMs?: number;
  paymentLatencyMs?: number;
  /** Run the reconciler in this process with these settings (off unless given). */
  reconciler?: { intervalMs: number; recheckAfterMs: number; pendingMaxAgeMs: number };
  /** Circuit breakers of the order subgraph's calls (default: production settings but a 500 ms reset, so an opened breaker does not slow the next test). */
  breakers?: Partial<BreakerSettings>;
  /** Called with every SQL statement each subgraph sends (N+1 tests count them). */
  onQuery?: (subgraph: SubgraphName, sql: string) => void;
  /** Sign-in throttling of the user subgraph (default: its production rules). */
  loginThrottle?: user.LoginThrottleRules;
  /** Throttles of password-reset and verification emails (default: the production rules). */
  accountEmailThrottle?: user.AccountEmailThrottleRules;
}

/**
 * The whole supergraph for one test suite, in this process over real HTTP: its own five
 * databases (cloned from the run's seeded templates), the five subgraphs and the gateway(s) on
 * free ports, its own Redis prefix, and, when started, the checkout and notification workers.
 */
export async function startStack(options: StackOptions = {}) {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) throw new Error('TEST_RUN_ID missing: run the tests through jest (global-setup)');
  const id = `${runId}_${randomBytes(4).toString('hex')}`;
  const templates = templateUrls(runId);
  const urls = Object.fromEntries(SUBGRAPHS.map((s) => [s, urlOf(`test_${id}_${s}`)])) as Record<SubgraphName, string>;
  for (const s of SUBGRAPHS) await cloneDatabase(templates[s], urls[s]);

  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `test-${id}`;
  const redis = createRedis(redisUrl);
  const connections: Redis[] = [redis];
  const connection = () => {
    const c = createRedis(redisUrl);
    connections.push(c);
    return c;
  };
  const { onQuery } = options;
  const db = {
    // Small pools: two suites run side by side on a PostgreSQL that allows 100 connections in all.
    user: user.createDb({ connectionString: urls.user, maxConnections: 4, onQuery: onQuery && ((sql) => onQuery('user', sql)) }),
    product: product.createDb({
      connectionString: urls.product,
      maxConnections: 6,
      onQuery: onQuery && ((sql) => onQuery('product', sql)),
    }),
    review: review.createDb({ connectionString: urls.review, maxConnections: 4, onQuery: onQuery && ((sql) => onQuery('review', sql)) }),
    cart: cart.createDb({ connectionString: urls.cart, maxConnections: 6, onQuery: onQuery && ((sql) => onQuery('cart', sql)) }),
    order: order.createDb({ connectionString: urls.order, maxConnections: 10, onQuery: onQuery && ((sql) => onQuery('order', sql)) }),
  };
  // Readiness checks get 5 s (production default 1 s): a loaded test machine is slow, not broken.
  const common = { port: 0, internalSecret: INTERNAL_SECRET, logger, healthCheckTimeoutMs: 5_000 };
  const signingKeys = new SigningKeySet([TEST_SIGNING_KEY]);
  const productServer = await product.startProductSubgraph({ ...common, db: db.product, redis, redisPrefix });
  const reviewServer = await review.startReviewSubgraph({
    ...common,
    db: db.review,
    redis,
    redisPrefix,
    productSubgraphUrl: productServer.url,
  });
  const cartServer = await cart.startCartSubgraph({ ...common, db: db.cart, productSubgraphUrl: productServer.url });
  const userServer = await user.startUserSubgraph({
    ...common,
    db: db.user,
    signingKeys,
    redis,
    redisPrefix,
    // After the cart subgraph: sign-in merges guest carts there.
    cartSubgraphUrl: cartServer.url,
    ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
    ...(options.accountEmailThrottle ? { accountEmailThrottle: options.accountEmailThrottle } : {}),
  });
  const orderServices = order.createOrderServices({
    db: db.order,
    redis,
    redisPrefix,
    internalSecret: INTERNAL_SECRET,
    cartSubgraphUrl: cartServer.url,
    productSubgraphUrl: productServer.url,
    userSubgraphUrl: userServer.url,
    logger,
    paymentTimeoutMs: options.paymentTimeoutMs ?? 300,
    paymentLatencyMs: options.paymentLatencyMs ?? 0,
    outboxPollMs: 100,
    breakers: { resetMs: 500, ...options.breakers },
    ...(options.reconciler ? { reconciler: options.reconciler } : {}),
  });
  orderServices.relay.start();
  if (options.reconciler) orderServices.reconciler.start();
  const { orders, coupons, rates, cartPricing, returns } = orderServices;
  const orderServer = await order.startOrderSubgraph({
    ...common,
    orders,
    coupons,
    rates,
    cartPricing,
    returns,
    db: db.order,
    redis,
  });
  const subgraphUrls: Record<SubgraphName, string> = {
    user: userServer.url,
    product: productServer.url,
    review: reviewServer.url,
    cart: cartServer.url,
    order: orderServer.url,
  };
  const supergraphSdl = composeSupergraph(subgraphUrls);
  const jwksUrl = new URL(user.JWKS_PATH, userServer.url).toString();
  const gateways: RunningGateway[] = [];
  const closedGateways = new Set<RunningGateway>();
  /** Another gateway in front of the same subgraphs and Redis prefix (one more instance of a scaled-out gateway). */
  async function startAnotherGateway(overrides: GatewayOverrides = {}): Promise<RunningGateway> {
    const started = await startGateway({
      supergraphSdl,
      port: 0,
      internalSecret: INTERNAL_SECRET,
      jwks: { url: jwksUrl },
      subscriber: connection(),
      redis: connection(),
      queueConnection: connection(),
      redisPrefix,
      logger,
      rateLimits: UNLIMITED,
      // A loaded test machine is slow, not broken: the production default (10 s) would turn that into failures.
      subgraphTimeoutMs: 30_000,
      healthCheckTimeoutMs: 5_000,
      ...options.gateway,
      ...overrides,
    });
    gateways.push(started);
    return started;
  }
  for (let i = 0; i < (options.gateways ?? 1); i++) await startAnotherGateway();
  const gateway = gateways[0]!;
  /** Stops one gateway instance (graceful shutdown); close() skips it later. */
  async function stopGateway(instance: RunningGateway) {
    closedGateways.add(instance);
    await instance.close();
  }

  const mailDir = mkdtempSync(path.join(os.tmpdir(), 'commerce-mail-'));
  const workers: Worker[] = [];
  const checkoutWorkers: Worker[] = [];
  const closers: (() => Promise<void>)[] = [];
  /**
   * Starts the checkout and notification workers (tests start them late to observe PENDING).
   * Emails go to .eml files in `mailDir`, or with `smtpUrl` over SMTP (a server the test runs).
   */
  async function startWorkers(options: { checkoutConcurrency?: number; checkout?: boolean; smtpUrl?: string } = {}) {
    const started: Worker[] = [];
    if (options.checkout !== false) {
      const checkout = order.createCheckoutWorker({
        processor: orderServices.checkout,
        refunds: orderServices.refunds,
        connection: connection(),
        prefix: redisPrefix,
        concurrency: options.checkoutConcurrency ?? 5,
        logger,
      });
      checkoutWorkers.push(checkout);
      started.push(checkout);
    }
    const notifications = user.createNotificationWorkers({
      db: db.user,
      mailer: user.createMailer({
        ...(options.smtpUrl ? { smtpUrl: options.smtpUrl } : {}),
        outboxDir: mailDir,
        from: 'test@commerce.local',
      }),
      connection: connection(),
      prefix: redisPrefix,
      notificationConcurrency: 2,
      webhookConcurrency: 2,
      webhookRetry: { maxAttempts: 3, backoffMs: 50 },
      webhookTimeoutMs: 5000,
      webhookAllowPrivateNetworks: true,
      logger,
    });
    const purchases = review.createPurchaseWorker({
      purchases: new review.PurchaseService(db.review),
      connection: connection(),
      prefix: redisPrefix,
      concurrency: 2,
      logger,
    });
    const ratings = product.createRatingSyncWorker({
      ratings: new product.RatingSyncService(db.product),
      connection: connection(),
      prefix: redisPrefix,
      concurrency: 2,
      logger,
    });
    started.push(purchases, ratings);
    workers.push(...started);
    closers.push(notifications.close);
    await Promise.all([...started.map((w) => w.waitUntilReady()), notifications.waitUntilReady()]);
  }

  /**
   * POSTs an operation to the gateway (or `via` another instance) over HTTP, as `token`'s user when
   * given, with extra `headers` (e.g. X-Cart-Token).
   */
  async function gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
    via: RunningGateway = gateway,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T>> {
    return graphql<T>(via.url, query, variables, { ...headers, ...bearer(token) });
  }

  /** Signs in through the gateway; returns the access token. */
  async function login(username: string, password: string): Promise<string> {
    const res = await gql<{ login: { accessToken: string } }>(
      'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
      { u: username, p: password },
    );
    if (!res.data?.login) throw new Error(`login ${username} failed: ${JSON.stringify(res.errors)}`);
    return res.data.login.accessToken;
  }

  async function close() {
    await Promise.all([...workers.map((w) => w.close()), ...closers.map((c) => c())]);
    await Promise.all(gateways.filter((g) => !closedGateways.has(g)).map((g) => g.close()));
    await Promise.all([userServer, productServer, reviewServer, cartServer, orderServer].map((s) => s.close()));
    await orderServices.close();
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    await Promise.all(Object.values(db).map((d) => d.$disconnect()));
    for (const s of SUBGRAPHS) await dropDatabase(urls[s]);
    rmSync(mailDir, { recursive: true, force: true });
  }

  /**
   * Environment for a worker process of this stack (e.g. `npm run worker:checkout` spawned by a
   * test): its databases, Redis prefix, secrets and subgraph URLs.
   */
  const processEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    INTERNAL_JWT_SECRET: INTERNAL_SECRET,
    AUTH_SIGNING_KEYS: TEST_SIGNING_KEYS_ENV,
    ORDER_DATABASE_URL: urls.order,
    USER_DATABASE_URL: urls.user,
    PRODUCT_DATABASE_URL: urls.product,
    REVIEW_DATABASE_URL: urls.review,
    CART_DATABASE_URL: urls.cart,
    USER_SUBGRAPH_URL: userServer.url,
    PRODUCT_SUBGRAPH_URL: productServer.url,
    REVIEW_SUBGRAPH_URL: reviewServer.url,
    CART_SUBGRAPH_URL: cartServer.url,
    ORDER_SUBGRAPH_URL: orderServer.url,
    ...extra,
  });

  const subgraphs = { user: userServer, product: productServer, review: reviewServer, cart: cartServer, order: orderServer };
  return {
    gateway,
    gateways,
    stopGateway,
    startAnotherGateway,
    supergraphSdl,
    subgraphs,
    subgraphUrls,
    signingKeys,
    jwksUrl,
    db,
    urls,
    redis,
    redisUrl,
    redisPrefix,
    logger,
    mailDir,
    orderServices,
    checkoutWorkers,
    processEnv,
    startWorkers,
    gql,
    login,
    close,
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
