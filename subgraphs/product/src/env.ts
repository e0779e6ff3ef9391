import { z } from 'zod';
import { databaseUrl, envSchema, parseConfig, port, workerEnvShape } from '@commerce/common';

// REDIS_URL and REDIS_PREFIX (stock events, the rating-sync queue) come from the base schema.
export const productEnvSchema = envSchema({
  PRODUCT_DATABASE_URL: databaseUrl('product'),
  /** HEALTH_PORT of this subgraph's worker processes (the subgraph itself serves health on its own port). */
  ...workerEnvShape,
  PRODUCT_PORT: port(4002),
  /** Rating-sync jobs one worker process runs at once. */
  RATING_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
});
export type ProductConfig = ReturnType<typeof productEnvSchema.parse>;

/** Reads and validates the product subgraph's environment once. @throws ConfigError */
export const loadProductConfig = (env: NodeJS.ProcessEnv = process.env): ProductConfig => parseConfig(productEnvSchema, env);
