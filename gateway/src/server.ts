import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import cors from 'cors';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, print, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { ANONYMOUS, OrderEventHub, RateLimitedError, createFormatError, type Logger, type Redis } from '@commerce/common';
import { authenticate, remoteKeys, type JwksOptions } from './auth';
import {
  DEFAULT_OPERATION_LIMITS,
  DEFAULT_RATE_LIMITS,
  RequestRateLimiter,
  assignRequestId,
  guardSubscribe,
  limitRules,
  parseOptions,
  perimeterErrorHandler,
  perimeterPlugin,
  rateLimitedGraphQLError,
  checkRequestShape,
  clientAddress,
  type OperationLimits,
  type RequestRateLimits,
  type SocketSession,
} from './perimeter';
import type { GatewayContext } from './context';
import { CallerForwardingDataSource } from './datasource';
import { orderStatusStream, type QueryExecutor } from './subscriptions';

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
  /** Largest accepted request body, bytes (default 100 kB). */
  maxBodyBytes?: number;
  /** A WebSocket that does not send `connection_init` within this many ms is closed (4408). Default 5 000. */
  wsInitTimeoutMs?: number;
  /** Express `trust proxy` (hops of reverse proxies whose X-Forwarded-For is believed). Default 0. */
  trustProxy?: number;
  redisPrefix: string;
  subgraphTimeoutMs?: number;
  /** Apollo Sandbox on GET /graphql and introspection; off in production. */
  production?: boolean;
  logger: Logger;
}

export interface RunningGateway {
  url: string;
  wsUrl: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * The supergraph's front door: `@apollo/gateway` over HTTP at `/graphql` (Apollo Sandbox on
 * GET outside production), and graphql-ws on the same path for `orderStatusChanged`, which
 * `@apollo/gateway` cannot execute itself (see subscriptions.ts).
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const production = options.production ?? false;
  const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits };
  const keys = remoteKeys(options.jwks);
  const limiter = new RequestRateLimiter(options.redis, options.redisPrefix, options.rateLimits ?? DEFAULT_RATE_LIMITS, logger);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ url }) => new CallerForwardingDataSource(url!, options.internalSecret, options.subgraphTimeoutMs ?? 10_000),
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const app = express();
  app.set('trust proxy', options.trustProxy ?? 0);
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: options.maxBodyBytes ?? 100_000 });
  const hub = new OrderEventHub(options.subscriber, options.redisPrefix, logger);
  await hub.start();

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
      perimeterPlugin(limits.maxPageSize),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      {
        // graphql-ws sockets are not HTTP requests: close them when the server drains.
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
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

  const sessions = new WeakMap<object, SocketSession>();
  const currentSchema = () => {
    if (!apiSchema) throw new Error('supergraph not loaded yet');
    return apiSchema;
  };
  const wsCleanup = useServer<Record<string, unknown>, { request: http.IncomingMessage }>(
    {
      schema: currentSchema,
      connectionInitWaitTimeout: options.wsInitTimeoutMs ?? 5_000,
      // Authenticated at connection time (a bad or missing token closes the socket with 4403);
      // the token's expiry is checked again on every subscribe.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw =
          params.authorization ?? params.Authorization ?? (params.accessToken ? `Bearer ${String(params.accessToken)}` : undefined);
        try {
          const { caller, expiresAt } = await authenticate(typeof raw === 'string' ? raw : undefined, keys);
          if (caller.kind !== 'user') return false;
          sessions.set(ctx.extra, { caller, expiresAt, clientIp: clientAddress(ctx.extra.request, options.trustProxy ?? 0) });
          return true;
        } catch {
          return false;
        }
      },
      // Every subscribe passes the same limits as an HTTP request.
      onSubscribe: (ctx, _id, payload) =>
        guardSubscribe(sessions.get(ctx.extra), payload, { schema: currentSchema, limits, hideSchemaDetails: production, limiter, logger }),
      context: (ctx): GatewayContext => {
        const session = sessions.get(ctx.extra);
        return { caller: session?.caller ?? ANONYMOUS, clientIp: session?.clientIp, requestId: randomUUID() };
      },
      // Queries and mutations over the socket go through the gateway like HTTP ones.
      execute: async (args) =>
        execute(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, args.contextValue as GatewayContext),
      subscribe: (args) =>
        orderStatusStream({
          document: args.document,
          operationName: args.operationName,
          variables: (args.variableValues ?? {}) as Record<string, unknown>,
          context: args.contextValue as GatewayContext,
          hub,
          execute,
        }),
    },
    wsServer,
  );

  await server.start();
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(
    '/graphql',
    assignRequestId,
    cors<cors.CorsRequest>(),
    express.json({ limit: options.maxBodyBytes ?? 100_000 }),
    checkRequestShape,
    expressMiddleware(server, {
      context: async ({ req, res }): Promise<GatewayContext> => {
        const requestId = res.locals.requestId as string;
        const clientIp = req.ip ?? 'unknown';
        try {
          const { caller } = await authenticate(req.headers.authorization, keys);
          await limiter.check(caller, clientIp);
          return { caller, clientIp, requestId };
        } catch (err) {
          if (err instanceof RateLimitedError) throw rateLimitedGraphQLError(err, requestId);
          if (err instanceof GraphQLError) throw new GraphQLError(err.message, { extensions: { ...err.extensions, requestId } });
          throw err;
        }
      },
    }),
  );
  app.use(perimeterErrorHandler(logger));

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => httpServer.listen(options.port, host, resolve));
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/graphql`;
  logger.info({ url }, 'gateway ready');
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    close: async () => {
      await server.stop();
      await hub.close();
    },
  };
}
