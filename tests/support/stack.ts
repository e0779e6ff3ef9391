import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'bullmq';
import { createLogger, createRedis, type Redis } from '@commerce/common';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import { composeSupergraph, startGateway } from '@commerce/gateway';
import * as cart from '@commerce/cart';
import * as order from '@commerce/order';
import * as product from '@commerce/product';
import * as review from '@commerce/review';
import * as user from '@commerce/user';
import { SUBGRAPHS, templateUrls, urlOf, type SubgraphName } from './databases';

export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef0123';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

/**
 * The whole supergraph for one test suite, in this process over real HTTP: its own five
 * databases (cloned from the run's seeded templates), the five subgraphs and the gateway on
 * free ports, its own Redis prefix, and, when started, the checkout, notification, purchase and
 * rating-sync workers.
 */
export interface StackOptions {
  /** Called with every SQL statement the user, product and review subgraphs send (N+1 tests count them). */
  onQuery?: (subgraph: 'user' | 'product' | 'review', sql: string) => void;
}

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
    user: user.createDb({ connectionString: urls.user, onQuery: onQuery && ((sql) => onQuery('user', sql)) }),
    product: product.createDb({ connectionString: urls.product, onQuery: onQuery && ((sql) => onQuery('product', sql)) }),
    review: review.createDb({ connectionString: urls.review, onQuery: onQuery && ((sql) => onQuery('review', sql)) }),
    cart: cart.createDb({ connectionString: urls.cart }),
    order: order.createDb({ connectionString: urls.order }),
  };
  const common = { port: 0, internalSecret: INTERNAL_SECRET, logger };
  const userServer = await user.startUserSubgraph({ ...common, db: db.user, jwtSecret: JWT_SECRET });
  const productServer = await product.startProductSubgraph({ ...common, db: db.product, redis, redisPrefix });
  const reviewServer = await review.startReviewSubgraph({
    ...common,
    db: db.review,
    redis,
    redisPrefix,
    productSubgraphUrl: productServer.url,
  });
  const cartServer = await cart.startCartSubgraph({ ...common, db: db.cart, productSubgraphUrl: productServer.url });
  const orderServices = order.createOrderServices({
    db: db.order,
    redis,
    redisPrefix,
    internalSecret: INTERNAL_SECRET,
    cartSubgraphUrl: cartServer.url,
    productSubgraphUrl: productServer.url,
    logger,
  });
  const orderServer = await order.startOrderSubgraph({ ...common, orders: orderServices.orders });
  const subgraphUrls: Record<SubgraphName, string> = {
    user: userServer.url,
    product: productServer.url,
    review: reviewServer.url,
    cart: cartServer.url,
    order: orderServer.url,
  };
  const supergraphSdl = composeSupergraph(subgraphUrls);
  const gateway = await startGateway({
    supergraphSdl,
    port: 0,
    internalSecret: INTERNAL_SECRET,
    jwtSecret: JWT_SECRET,
    subscriber: connection(),
    redisPrefix,
    logger,
  });

  const mailDir = mkdtempSync(path.join(os.tmpdir(), 'commerce-mail-'));
  const workers: Worker[] = [];
  /**
   * Starts the checkout, notification, purchase (review subgraph) and rating-sync (product
   * subgraph) workers; tests start them late to observe PENDING.
   */
  async function startWorkers(options: { checkoutConcurrency?: number } = {}) {
    const checkout = order.createCheckoutWorker({
      processor: orderServices.checkout,
      connection: connection(),
      prefix: redisPrefix,
      concurrency: options.checkoutConcurrency ?? 5,
      logger,
    });
    const notifications = user.createNotificationWorker({
      notifications: new user.NotificationService(db.user, user.createMailer({ outboxDir: mailDir, from: 'test@commerce.local' }), logger),
      connection: connection(),
      prefix: redisPrefix,
      concurrency: 2,
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
    const started = [checkout, notifications, purchases, ratings];
    workers.push(...started);
    await Promise.all(started.map((w) => w.waitUntilReady()));
  }

  /** POSTs an operation to the gateway over HTTP, as `token`'s user when given. */
  async function gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse<T>, 'status'>) };
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
    await Promise.all(workers.map((w) => w.close()));
    await gateway.close();
    await Promise.all([userServer, productServer, reviewServer, cartServer, orderServer].map((s) => s.close()));
    await orderServices.close();
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    await Promise.all(Object.values(db).map((d) => d.$disconnect()));
    for (const s of SUBGRAPHS) await dropDatabase(urls[s]);
    rmSync(mailDir, { recursive: true, force: true });
  }

  return { gateway, db, urls, subgraphUrls, redisPrefix, mailDir, startWorkers, gql, login, close };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
