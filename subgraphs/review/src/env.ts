import { z } from 'zod';
import { databaseUrl, envSchema, parseConfig, port, workerEnvShape } from '@commerce/common';

// REDIS_URL/REDIS_PREFIX (rating queue, purchase worker) and PRODUCT_SUBGRAPH_URL come from the base schema.
export const reviewEnvSchema = envSchema({
  REVIEW_DATABASE_URL: databaseUrl('review'),
  /** HEALTH_PORT of this subgraph's worker processes (the subgraph itself serves health on its own port). */
  ...workerEnvShape,
  REVIEW_PORT: port(4003),
  /** Purchase jobs one worker process runs at once. */
  PURCHASE_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
});
export type ReviewConfig = ReturnType<typeof reviewEnvSchema.parse>;

/** Reads and validates the review subgraph's environment once. @throws ConfigError */
export const loadReviewConfig = (env: NodeJS.ProcessEnv = process.env): ReviewConfig => parseConfig(reviewEnvSchema, env);
