import { databaseUrl, envSchema, parseConfig, port } from '@commerce/common';

export const productEnvSchema = envSchema({
  PRODUCT_DATABASE_URL: databaseUrl('product'),
  PRODUCT_PORT: port(4002),
});
export type ProductConfig = ReturnType<typeof productEnvSchema.parse>;

/** Reads and validates the product subgraph's environment once. @throws ConfigError */
export const loadProductConfig = (env: NodeJS.ProcessEnv = process.env): ProductConfig => parseConfig(productEnvSchema, env);
