import { databaseUrl, envSchema, parseConfig, port } from '@commerce/common';

export const reviewEnvSchema = envSchema({
  REVIEW_DATABASE_URL: databaseUrl('review'),
  REVIEW_PORT: port(4003),
});
export type ReviewConfig = ReturnType<typeof reviewEnvSchema.parse>;

/** Reads and validates the review subgraph's environment once. @throws ConfigError */
export const loadReviewConfig = (env: NodeJS.ProcessEnv = process.env): ReviewConfig => parseConfig(reviewEnvSchema, env);
