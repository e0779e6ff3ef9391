import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import {
  HealthRegistry,
  RateLimitedError,
  RedisEventHub,
  callerTokenSigner,
  cartTokenFrom,
  createFormatError,
  graphqlMetricsPlugin,
  httpMetrics,
  healthRouter,
  httpReadinessCheck,
  redisCheck,
  redisSubscriberCheck,
  orderEventsChannel,
  productStockChannel,
  type Logger,
  type Redis,
} from '@commerce/common';
import { AccessTokenVerifier, authenticate, identify, remoteKeys, unauthenticated, type JwksOptions } from './auth';
import {
  DEFAULT_OPERATION_LIMITS,
  DEFAULT_RATE_LIMITS,
  DocumentChecks,
  RequestRateLimiter,
  admit,
  assignRequestId,
  bodyPolicy,
  checkPersistedQueryOnGet,
  checkRequestShape,
  graphqlCors,
  graphqlOverHttpStatusPlugin,
  guardSubscribe,
  limitRules,
  notFound,
  parseOptions,
  perimeterErrorHandler,
  perimeterPlugin,
  rateLimitedGraphQLError,
  type OperationLimits,
  type RequestRateLimits,
} from './perimeter';
import type { GatewayContext } from './context';
import { CallerForwardingDataSource } from './datasource';
import { InflightFetches } from './inflight';
import { declareGatewayMetrics, meteredQueryPlanCache } from './metrics';
import { sandboxLandingPage } from './landing-page';
import { coalescing, type QueryExecutor } from './coalesce';
import { streamingOperations } from './operations';
import { sseRouter } from './sse';
import { SharedEventResults } from './shared-results';
import { SubscriptionGroups } from './subscription-groups';
import { retryingOnce, type ServiceLookup } from './subscription-fields';
import { serveWebSocket } from './websocket';
import { QUEUE_DASHBOARD_PATH, createQueueDashboard } from './queue-dashboard';
import { SessionRevocations } from './session-revocations';

export interface GatewayOptions {
  /** Supergraph SDL from `npm run compose`. */
  supergraphSdl: string;
  port: number;
  host?: string;
  internalSecret: string;
  /** The user subgraph's published token keys. */
  jwks: JwksOptions;
  /** A Redis connection of its own: it is put in subscriber mode. */
  subscriber: Redis;
  /** A Redis connection for commands (rate-limit counters shared by every gateway instance). */
  redis: Redis;
  /** Operation limits, over {@link DEFAULT_OPERATION_LIMITS}. */
  limits?: Partial<OperationLimits>;
  /** Request budgets, default {@link DEFAULT_RATE_LIMITS}. */
  rateLimits?: RequestRateLimits;
  /** Largest accepted request body on every route, bytes, counted on the stream (default 100 kB); also the graphql-ws message cap. */
  maxBodyBytes?: number;
  /** A WebSocket that does not send `connection_init` within this many ms is closed (4408). Default 5 000. */
  wsInitTimeoutMs?: number;
  /** Express `trust proxy` (hops of reverse proxies whose X-Forwarded-For is believed). Default 0. */
  trustProxy?: number;
  redisPrefix: string;
  subgraphTimeoutMs?: number;
  /** Identical concurrent subgraph query fetches of one caller share one request (default true; see inflight.ts). */
  deduplicateFetches?: boolean;
  /** Milliseconds between graphql-ws keep-alive pings (default 12 000). */
  keepAliveMs?: number;
  /** Events that may wait for one client connection before it is closed as too slow (default 256). */
  maxPendingEvents?: number;
  /**
   * Most subscription event queries (one per group of equal subscriptions and event) running at
   * once in this gateway; more wait their turn (default 16).
   */
  maxConcurrentEventQueries?: number;
  /**
   * How long this gateway waits for another gateway's result of an event query that one claimed,
   * ms, before running it itself (default 2 000); 0: no sharing between gateways (shared-results.ts).
   */
  sharedResultWaitMs?: number;
  /** Apollo Sandbox on GET /graphql and introspection; off in production. */
  production?: boolean;
  /**
   * (issue-3-notify) A Redis connection (not a subscriber) for the ADMIN-only bull-board queue
   * dashboard at /admin/queues; without it there is no dashboard.
   */
  queueConnection?: Redis;
  /** Longest one readiness check (Redis, each subgraph's `/health/ready`) may take, in ms (default 1 000). */
  healthCheckTimeoutMs?: number;
  /**
   * `required` (default): the gateway is unready while any subgraph is; `reported`: subgraphs are
   * in the readiness body but only Redis and the supergraph decide it (GATEWAY_READINESS_SUBGRAPHS).
   */
  subgraphReadiness?: 'required' | 'reported';
  logger: Logger;
}

export interface GatewayStats {
  /** Open graphql-ws connections. */
  webSocketConnections: number;
  /** Open graphql-sse streams. */
  sseStreams: number;
  /** Connections closed (1013) or streams cut for not keeping up, since start. */
  slowConsumersClosed: number;
  /** Groups of equal subscriptions (one event query per group and event); see subscription-groups.ts. */
  subscriptionGroups: number;
}

export interface RunningGateway {
  url: string;
  wsUrl: string;
  /** The graphql-sse endpoint. */
  sseUrl: string;
  port: number;
  /** Live counts of the streaming transports. */
  stats: () => GatewayStats;
  /** Its readiness: Redis, the supergraph and every subgraph's; marked shutting down by close() and on SIGTERM. */
  health: HealthRegistry;
  close: () => Promise<void>;
}

/**
 * The supergraph's front door: `@apollo/gateway` over HTTP at `/graphql` (Apollo Sandbox on
 * GET outside production); graphql-ws on the same path and graphql-sse at `/graphql/stream` for
 * every operation including subscriptions, which `@apollo/gateway` cannot execute itself (see
 * subscriptions.ts). Events reach subscriptions through one Redis subscriber connection.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  declareGatewayMetrics();
  const production = options.production ?? false;
  const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits };
  // Verified tokens are kept until they expire; the session-epoch check still runs on every request.
  const tokens = new AccessTokenVerifier(remoteKeys(options.jwks), options.jwks.cacheMaxAgeMs);
  // Parse, validation and the page-size/NUL facts of a document are found once, on every transport.
  const documents = new DocumentChecks();
  const limiter = new RequestRateLimiter(options.redis, options.redisPrefix, options.rateLimits ?? DEFAULT_RATE_LIMITS, logger);
  let apiSchema: GraphQLSchema | undefined;
  // Checked concurrently, each under the timeout, the report cached ~1 s: a probe storm at the
  // gateway costs each subgraph at most one readiness request a second.
  const health = new HealthRegistry({ timeoutMs: options.healthCheckTimeoutMs })
    .register('redis', redisCheck(options.redis))
    .register('redisSubscriber', redisSubscriberCheck(options.subscriber))
    .register('supergraph', async () => {
      if (!apiSchema) throw new Error('supergraph not loaded yet');
    });
  // One for all subgraphs: a write through any of them starts a new sharing generation for every one.
  const inflight = new InflightFetches(options.deduplicateFetches ?? true);
  const signCallerToken = callerTokenSigner(options.internalSecret);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    queryPlannerConfig: { cache: meteredQueryPlanCache() },
    buildService: ({ name, url }) => {
      // Called once per subgraph of the supergraph as it loads: every subgraph's readiness is ours.
      const check = `subgraph:${name}`;
      if (!health.names().includes(check)) {
        health.register(check, httpReadinessCheck(new URL('/health/ready', url!).toString()), {
          required: (options.subgraphReadiness ?? 'required') === 'required',
        });
      }
      return new CallerForwardingDataSource(name, url!, signCallerToken, options.subgraphTimeoutMs ?? 10_000, inflight);
    },
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const app = express();
  app.set('trust proxy', options.trustProxy ?? 0);
  const httpServer = http.createServer(app);
  const hub = new RedisEventHub(options.subscriber, logger);
  // Subscribe at start-up, so a Redis problem shows now rather than at the first subscriber.
  await hub.prepare(orderEventsChannel(options.redisPrefix), productStockChannel(options.redisPrefix));
  const revocations = new SessionRevocations(options.redis, options.redisPrefix, logger);
  await revocations.listen(hub);

  const server = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createFormatError(logger),
    includeStacktraceInErrorResponses: false,
    // onShutdown() owns the signals: it stops the server, then closes queues and database pools.
    stopOnTerminationSignals: false,
    introspection: !production,
    // Field suggestions ("Did you mean …?") would map the schema even without introspection.
    hideSchemaDetailsFromClientErrors: production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    validationRules: limitRules(limits),
    parseOptions: parseOptions(limits),
    plugins: [
      perimeterPlugin(limits.maxPageSize, documents),
      graphqlMetricsPlugin<GatewayContext>('gateway'),
      graphqlOverHttpStatusPlugin(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageDisabled() : sandboxLandingPage(),
      {
        // Sockets and event streams outlive requests: close them (1001 Going Away) when the server drains.
        async serverWillStart() {
          return {
            async drainServer() {
              sse.close();
              await ws.dispose();
            },
          };
        },
      },
    ],
  });

  const execute: QueryExecutor = async (query, variables, contextValue) => {
    const response = await server.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    const { data, errors } = response.body.singleResult;
    return {
      data: data as ExecutionResult['data'],
      errors: errors?.map((e) => new GraphQLError(e.message, { extensions: e.extensions, path: e.path })),
    };
  };
  const sharedExecute = coalescing(execute);
  const lookup: ServiceLookup = retryingOnce(async <T>(query: string, variables: Record<string, unknown>) => {
    const result = await sharedExecute(query, variables, { caller: { kind: 'service', service: 'gateway' }, requestId: randomUUID() });
    if (result.errors?.length) throw result.errors[0];
    return result.data as T | null | undefined;
  });

  const currentSchema = () => {
    if (!apiSchema) throw new Error('supergraph not loaded yet');
    return apiSchema;
  };
  const groups = new SubscriptionGroups(hub, options.maxConcurrentEventQueries ?? 16, logger);
  const sharedResultWaitMs = options.sharedResultWaitMs ?? 2_000;
  const shared =
    sharedResultWaitMs > 0
      ? new SharedEventResults({
          redis: options.redis,
          hub,
          redisPrefix: options.redisPrefix,
          secret: options.internalSecret,
          generation: createHash('sha256').update(options.supergraphSdl).digest('base64url'),
          waitMs: sharedResultWaitMs,
          logger,
        })
      : undefined;
  await shared?.start();
  const operations = streamingOperations({
    schema: currentSchema,
    authenticate: (authorization) => authenticate(authorization, tokens, revocations),
    // Every subscribe (graphql-ws and SSE) passes the checks an HTTP request passes.
    guard: (session, payload, requestId) =>
      guardSubscribe(
        session,
        payload,
        {
          schema: currentSchema,
          limits,
          hideSchemaDetails: production,
          limiter,
          sessionIsCurrent: (userId, epoch) => revocations.isCurrent(userId, epoch),
          documents,
          logger,
        },
        requestId,
      ),
    trackSession: (session, end) =>
      session.caller.kind === 'user' ? revocations.track(session.caller.userId, session.sessionEpoch ?? 0, end) : () => undefined,
    execute,
    subscriptions: {
      groups,
      ...(shared ? { shared } : {}),
      redisPrefix: options.redisPrefix,
      execute: sharedExecute,
      lookup,
      logger,
    },
  });
  const maxPendingEvents = options.maxPendingEvents ?? 256;
  let slowConsumersClosed = 0;
  const onSlowConsumer = () => void (slowConsumersClosed += 1);
  const ws = serveWebSocket(httpServer, operations, {
    initTimeoutMs: options.wsInitTimeoutMs ?? 5_000,
    maxPayloadBytes: options.maxBodyBytes ?? 100_000,
    trustProxy: options.trustProxy ?? 0,
    keepAliveMs: options.keepAliveMs ?? 12_000,
    maxPendingEvents,
    logger,
    onSlowConsumer,
  });
  const sse = sseRouter(operations, { maxPendingEvents, logger, onSlowConsumer });

  await server.start();
  // The perimeter of every route, before any handler: correlation id, CORS for the GraphQL
  // paths (so refusals are readable cross-origin), and the one body limit and content-type policy.
  app.use(httpMetrics('gateway', ['/graphql', '/graphql/stream', '/health', QUEUE_DASHBOARD_PATH]));
  app.use(assignRequestId);
  app.use('/graphql', graphqlCors());
  app.use(
    bodyPolicy(options.maxBodyBytes ?? 100_000, [
      { path: '/graphql', types: ['application/json'] },
      { path: QUEUE_DASHBOARD_PATH, types: ['application/json', 'application/x-www-form-urlencoded'] },
    ]),
  );
  // Health routes sit after the body policy (a probe sends no body) and outside /graphql, so no
  // token and no rate limit applies to them.
  app.use(healthRouter(health));
  // Before /graphql, which would otherwise claim /graphql/stream as a sub-path.
  app.use(sse.router);
  const dashboard = options.queueConnection
    ? createQueueDashboard({
        connection: options.queueConnection,
        redisPrefix: options.redisPrefix,
        authenticate: (authorization: string) => authenticate(authorization, tokens, revocations),
        secureCookie: options.production ?? false,
        logger,
      })
    : undefined;
  if (dashboard) app.use(QUEUE_DASHBOARD_PATH, dashboard.router);
  app.use(
    '/graphql',
    checkRequestShape,
    checkPersistedQueryOnGet,
    expressMiddleware(server, {
      context: async ({ req, res }): Promise<GatewayContext> => {
        const requestId = res.locals.requestId as string;
        const clientIp = req.ip ?? 'unknown';
        try {
          // The token is checked locally (cached once verified); budgets and session epoch in one Redis round trip.
          const { caller, sessionEpoch } = await identify(req.headers.authorization, tokens);
          const admitted = await admit(caller, sessionEpoch, clientIp, {
            limiter,
            sessionIsCurrent: (userId, epoch) => revocations.isCurrent(userId, epoch),
          }).catch((err: unknown) => {
            if (err instanceof RateLimitedError) throw err;
            // An epoch check that failed refuses the token, as it did before the two were sent together.
            return false;
          });
          if (!admitted) throw unauthenticated();
          const cartToken = cartTokenFrom(req.headers);
          return { caller, clientIp, requestId, ...(cartToken ? { cartToken } : {}) };
        } catch (err) {
          if (err instanceof RateLimitedError) throw rateLimitedGraphQLError(err, requestId);
          if (err instanceof GraphQLError) throw new GraphQLError(err.message, { extensions: { ...err.extensions, requestId } });
          throw err;
        }
      },
    }),
  );
  app.use(notFound);
  app.use(perimeterErrorHandler(logger));

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => httpServer.listen(options.port, host, resolve));
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/graphql`;
  logger.info({ url }, 'gateway ready');
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    sseUrl: `${url}/stream`,
    port,
    stats: () => ({
      webSocketConnections: ws.connectionCount(),
      sseStreams: sse.streamCount(),
      slowConsumersClosed,
      subscriptionGroups: groups.size,
    }),
    health,
    close: async () => {
      health.startShutdown();
      await server.stop();
      await hub.close();
      await dashboard?.close();
    },
  };
}
