import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { Logger } from 'pino';
import { CALLER_TOKEN_HEADER, cachingCallerTokenVerifier, type Caller, type VerifiedCaller } from './caller';
import { createFormatError } from './errors';
import { HealthRegistry, type DependencyCheck } from './health';
import { healthRouter } from './health-router';
import { graphqlMetricsPlugin, httpMetrics } from './request-metrics';

/** What every subgraph's context starts from. */
export interface BaseContext {
  caller: Caller;
  /** The client's address as the gateway saw it (signed in the caller token); absent for service calls. */
  clientIp?: string;
  requestId: string;
  logger: Logger;
}

/** Where and as whom a subgraph serves: what every subgraph's start function takes. */
export interface SubgraphListenOptions {
  /** Port to listen on; 0 picks a free one (tests). */
  port: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Key that verifies the caller token signed by the gateway or a worker. */
  internalSecret: string;
  logger: Logger;
  /** Longest one readiness check may take, in ms (HEALTH_CHECK_TIMEOUT_MS; default 1 000). */
  healthCheckTimeoutMs?: number;
}

/** The SDL next to a subgraph's sources: `<dir>/schema.graphql`. */
export function loadTypeDefs(dir: string): DocumentNode {
  return parse(readFileSync(path.join(dir, 'schema.graphql'), 'utf8'));
}

export interface SubgraphServerOptions<TContext extends BaseContext> extends SubgraphListenOptions {
  /** Subgraph name, used in logs. */
  name: string;
  typeDefs: DocumentNode;
  /** Resolvers typed by codegen; checked against the SDL by buildSubgraphSchema. */
  resolvers: object;
  /**
   * Adds per-request state (DataLoaders, services) to the base context. `request.headers` are the
   * HTTP headers as the gateway (or a worker) sent them: client-supplied values it forwards, such as
   * X-Cart-Token, are untrusted input.
   */
  createContext: (base: BaseContext, request: { headers: IncomingHttpHeaders }) => TContext;
  /** Extra public GET routes beside `/graphql` (the user subgraph's JWKS), keyed by path. */
  getRoutes?: Record<string, (req: express.Request, res: express.Response) => void>;
  /**
   * What `/health/ready` checks, by name: `postgres` (a `SELECT 1` through the subgraph's own
   * Prisma client: {@link postgresCheck}) and `redis` where the subgraph uses it.
   */
  readinessChecks: Record<string, DependencyCheck>;
}

/** A running subgraph: where it listens and how to stop it (drains in-flight requests). */
export interface RunningServer {
  url: string;
  port: number;
  /** Its readiness: marked shutting down by close() (and first thing on SIGTERM, by runProcess). */
  health: HealthRegistry;
  close: () => Promise<void>;
}

/**
 * Serves a federation 2 subgraph (`@apollo/subgraph` + Apollo Server 5 on Express) at
 * `/graphql`, with `/health/live`, `/health/ready` (and `/health`, an alias of live) for probes,
 * which need no caller token. Only the gateway and our workers reach `/graphql`:
 * every request, `_entities` included, must carry an `x-caller-token` they signed; without one,
 * or with an invalid or expired one → 401 UNAUTHENTICATED. An anonymous client is an anonymous
 * caller inside a valid token, never a missing header.
 */
export async function startSubgraphServer<TContext extends BaseContext>(options: SubgraphServerOptions<TContext>): Promise<RunningServer> {
  const { logger } = options;
  const app = express();
  const httpServer = http.createServer(app);
  const server = new ApolloServer<TContext>({
    schema: buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }),
    formatError: createFormatError(logger),
    includeStacktraceInErrorResponses: false,
    // onShutdown() owns the signals: it stops the server, then closes queues and database pools.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      graphqlMetricsPlugin<TContext>(options.name),
    ],
  });
  await server.start();

  const health = new HealthRegistry({ timeoutMs: options.healthCheckTimeoutMs });
  for (const [name, check] of Object.entries(options.readinessChecks)) health.register(name, check);
  app.use(httpMetrics(options.name, ['/graphql', '/health', ...Object.keys(options.getRoutes ?? {})]));
  app.use(healthRouter(health));
  for (const [route, handler] of Object.entries(options.getRoutes ?? {})) app.get(route, handler);
  // Workers reuse their token for 30 s, and a gateway request's fetches share one: verified once.
  const verifyCallerToken = cachingCallerTokenVerifier(options.internalSecret);
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => {
        const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        const token = req.headers[CALLER_TOKEN_HEADER];
        let verified: VerifiedCaller;
        try {
          if (typeof token !== 'string' || token.length === 0) throw new Error('no caller token');
          verified = await verifyCallerToken(token);
        } catch {
          throw new GraphQLError('Subgraphs only answer requests that come through the gateway', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
        return options.createContext({ ...verified, requestId, logger: logger.child({ requestId }) }, { headers: req.headers });
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}/graphql`;
  logger.info({ url }, `${options.name} subgraph ready`);
  return {
    url,
    port,
    health,
    close: async () => {
      health.startShutdown();
      await server.stop();
    },
  };
}
