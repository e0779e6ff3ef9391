import path from 'node:path';
import { z } from 'zod';
import { envSchema, parseConfig, port } from '@commerce/common';
import { DEFAULT_OPERATION_LIMITS, DEFAULT_RATE_LIMITS, type OperationLimits, type RequestRateLimits } from './perimeter';

const int = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).max(max).default(fallback));

/** Where `npm run compose` writes the supergraph and the gateway reads it by default (`gateway/supergraph.graphql`). */
export const SUPERGRAPH_FILE = path.resolve(__dirname, '../supergraph.graphql');

export const gatewayEnvSchema = envSchema({
  GATEWAY_PORT: port(4000),
  /** Supergraph SDL composed by `npm run compose`. */
  SUPERGRAPH_PATH: z.string().default(SUPERGRAPH_FILE),
  /** Milliseconds a subgraph request may take before the gateway gives up on it. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * `true` (default): identical concurrent subgraph query fetches of one caller identity share one
   * request (in-flight deduplication, gateway/src/inflight.ts); `false`: every fetch is sent.
   */
  GATEWAY_DEDUPLICATE_FETCHES: z.enum(['true', 'false']).default('true'),
  /** Milliseconds between graphql-ws keep-alive pings (graphql-sse pings every 12 s on its own). */
  SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().min(1_000).max(300_000).default(12_000),
  /** Events that may wait for one slow client connection before it is closed (1013). */
  SUBSCRIPTION_MAX_PENDING_EVENTS: z.coerce.number().int().min(1).max(100_000).default(256),
  /** Subscription event queries (one per group of equal subscriptions and event) running at once; more wait. */
  SUBSCRIPTION_QUERY_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
  /**
   * How long a gateway waits for the result of an event query another gateway claimed before it
   * runs the query itself (shared-results.ts), ms; 0: every gateway runs its own.
   */
  SUBSCRIPTION_SHARED_RESULT_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** The user subgraph's JWKS; unset: `/.well-known/jwks.json` on USER_SUBGRAPH_URL's host. */
  AUTH_JWKS_URL: z.string().url().optional(),
  /** Operation limits (README "Limits"). */
  GRAPHQL_MAX_DEPTH: int(1, 100, DEFAULT_OPERATION_LIMITS.maxDepth),
  GRAPHQL_MAX_ALIASES: int(0, 1_000, DEFAULT_OPERATION_LIMITS.maxAliases),
  GRAPHQL_MAX_DIRECTIVES: int(0, 1_000, DEFAULT_OPERATION_LIMITS.maxDirectives),
  GRAPHQL_MAX_TOKENS: int(10, 100_000, DEFAULT_OPERATION_LIMITS.maxTokens),
  GRAPHQL_MAX_COST: int(1, 1_000_000, DEFAULT_OPERATION_LIMITS.maxCost),
  GRAPHQL_MAX_PAGE_SIZE: int(1, 1_000, DEFAULT_OPERATION_LIMITS.maxPageSize),
  /** Largest request body, bytes. */
  GATEWAY_MAX_BODY_BYTES: int(1_000, 10_000_000, 100_000),
  /** Requests per minute per signed-in user and per client address (shared in Redis). */
  RATE_LIMIT_USER_PER_MINUTE: int(1, 1_000_000, DEFAULT_RATE_LIMITS.perUser.points),
  RATE_LIMIT_IP_PER_MINUTE: int(1, 1_000_000, DEFAULT_RATE_LIMITS.perIp.points),
  /** Milliseconds a WebSocket may take to send connection_init. */
  WS_INIT_TIMEOUT_MS: int(100, 60_000, 5_000),
  /**
   * `required`: the gateway's readiness fails while any subgraph's does; `reported`: subgraphs
   * are listed in /health/ready but do not decide it (so one subgraph down does not take every
   * gateway out of the load balancer; its fields fail instead).
   */
  GATEWAY_READINESS_SUBGRAPHS: z.enum(['required', 'reported']).default('required'),
  /** Reverse proxies in front of the gateway whose X-Forwarded-For is trusted for the client address. */
  TRUST_PROXY_HOPS: int(0, 10, 0),
});
export type GatewayConfig = ReturnType<typeof gatewayEnvSchema.parse>;

/** Reads and validates the gateway's environment once. @throws ConfigError */
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig => parseConfig(gatewayEnvSchema, env);

/** The operation limits a configuration asks for. */
export const operationLimits = (config: GatewayConfig): OperationLimits => ({
  maxDepth: config.GRAPHQL_MAX_DEPTH,
  maxAliases: config.GRAPHQL_MAX_ALIASES,
  maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
  maxTokens: config.GRAPHQL_MAX_TOKENS,
  maxCost: config.GRAPHQL_MAX_COST,
  maxPageSize: config.GRAPHQL_MAX_PAGE_SIZE,
});

/** The request budgets a configuration asks for (per minute). */
export const rateLimits = (config: GatewayConfig): RequestRateLimits => ({
  perUser: { points: config.RATE_LIMIT_USER_PER_MINUTE, durationSeconds: 60 },
  perIp: { points: config.RATE_LIMIT_IP_PER_MINUTE, durationSeconds: 60 },
});

/** The JWKS URL: AUTH_JWKS_URL, or the user subgraph's well-known path. */
export const jwksUrl = (config: GatewayConfig): string =>
  config.AUTH_JWKS_URL ?? new URL('/.well-known/jwks.json', config.USER_SUBGRAPH_URL).toString();
