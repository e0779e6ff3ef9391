import { databaseUrl, envSchema, parseConfig, port } from '@commerce/common';

export const cartEnvSchema = envSchema({
  CART_DATABASE_URL: databaseUrl('cart'),
  CART_PORT: port(4004),
});
export type CartConfig = ReturnType<typeof cartEnvSchema.parse>;

/** Reads and validates the cart subgraph's environment once. @throws ConfigError */
export const loadCartConfig = (env: NodeJS.ProcessEnv = process.env): CartConfig => parseConfig(cartEnvSchema, env);
