import path from 'node:path';
import { z } from 'zod';
import { envSchema, parseConfig, port } from '@commerce/common';

export const gatewayEnvSchema = envSchema({
  GATEWAY_PORT: port(4000),
  /** Supergraph SDL composed by `npm run compose`. */
  SUPERGRAPH_PATH: z.string().default(path.resolve(__dirname, '../supergraph.graphql')),
  /** Milliseconds a subgraph request may take before the gateway gives up on it. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Milliseconds between graphql-ws keep-alive pings (graphql-sse pings every 12 s on its own). */
  SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().min(1_000).max(300_000).default(12_000),
  /** Events that may wait for one slow client connection before it is closed (1013). */
  SUBSCRIPTION_MAX_PENDING_EVENTS: z.coerce.number().int().min(1).max(100_000).default(256),
});
export type GatewayConfig = ReturnType<typeof gatewayEnvSchema.parse>;

/** Reads and validates the gateway's environment once. @throws ConfigError */
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig => parseConfig(gatewayEnvSchema, env);
