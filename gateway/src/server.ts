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
import { ANONYMOUS, OrderEventHub, createFormatError, type Caller, type Logger, type Redis } from '@commerce/common';
import { callerFromAuthorization } from './auth';
import type { GatewayContext } from './context';
import { CallerForwardingDataSource } from './datasource';
import { QUEUE_DASHBOARD_PATH, createQueueDashboard } from './queue-dashboard';
import { orderStatusStream, type QueryExecutor } from './subscriptions';

export interface GatewayOptions {
  /** Supergraph SDL from `npm run compose`. */
  supergraphSdl: string;
  port: number;
  host?: string;
  internalSecret: string;
  jwtSecret: string;
  /** A Redis connection of its own: it is put in subscriber mode. */
  subscriber: Redis;
  redisPrefix: string;
  subgraphTimeoutMs?: number;
  /** Apollo Sandbox on GET /graphql and introspection; off in production. */
  production?: boolean;
  /**
   * (issue-3-notify) A Redis connection (not a subscriber) for the ADMIN-only bull-board queue
   * dashboard at /admin/queues; without it there is no dashboard.
   */
  queueConnection?: Redis;
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
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ url }) => new CallerForwardingDataSource(url!, options.internalSecret, options.subgraphTimeoutMs ?? 10_000),
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const app = express();
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const hub = new OrderEventHub(options.subscriber, options.redisPrefix, logger);
  await hub.start();

  const server = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createFormatError(logger),
    includeStacktraceInErrorResponses: false,
    // onShutdown() owns the signals: it stops the server, then closes queues and database pools.
    stopOnTerminationSignals: false,
    introspection: !options.production,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      options.production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
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

  const callers = new WeakMap<object, Caller>();
  const wsCleanup = useServer<Record<string, unknown>, { caller?: Caller }>(
    {
      schema: () => {
        if (!apiSchema) throw new Error('supergraph not loaded yet');
        return apiSchema;
      },
      // Authenticated once, at connection time; a bad token closes the socket with 4403.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw =
          params.authorization ?? params.Authorization ?? (params.accessToken ? `Bearer ${String(params.accessToken)}` : undefined);
        try {
          const caller = await callerFromAuthorization(typeof raw === 'string' ? raw : undefined, options.jwtSecret);
          if (caller.kind !== 'user') return false;
          callers.set(ctx.extra, caller);
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx): GatewayContext => ({ caller: callers.get(ctx.extra) ?? ANONYMOUS, requestId: randomUUID() }),
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
  const dashboard = options.queueConnection
    ? createQueueDashboard({
        connection: options.queueConnection,
        redisPrefix: options.redisPrefix,
        jwtSecret: options.jwtSecret,
        secureCookie: options.production ?? false,
        logger,
      })
    : undefined;
  if (dashboard) app.use(QUEUE_DASHBOARD_PATH, dashboard.router);
  app.use(
    '/graphql',
    cors<cors.CorsRequest>(),
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => ({
        caller: await callerFromAuthorization(req.headers.authorization, options.jwtSecret),
        requestId: (req.headers['x-request-id'] as string | undefined) ?? randomUUID(),
      }),
    }),
  );

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
      await dashboard?.close();
    },
  };
}
