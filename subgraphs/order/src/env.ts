import { z } from 'zod';
import { databaseUrl, envSchema, parseConfig, port } from '@commerce/common';

export const orderEnvSchema = envSchema({
  ORDER_DATABASE_URL: databaseUrl('order'),
  ORDER_PORT: port(4005),
  /** Checkout jobs one worker process runs at once. */
  CHECKOUT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
});
export type OrderConfig = ReturnType<typeof orderEnvSchema.parse>;

/** Reads and validates the order subgraph's environment once. @throws ConfigError */
export const loadOrderConfig = (env: NodeJS.ProcessEnv = process.env): OrderConfig => parseConfig(orderEnvSchema, env);
