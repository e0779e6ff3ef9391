import { z } from 'zod';
import { databaseUrl, envSchema, parseConfig, port, workerEnvShape } from '@commerce/common';

export const cartEnvSchema = envSchema({
  CART_DATABASE_URL: databaseUrl('cart'),
  CART_PORT: port(4004),
  /** HEALTH_PORT of the guest-cart expiry worker process (the subgraph serves health on its own port). */
  ...workerEnvShape,
  /**
   * Days a guest cart lives after its last change (issue 11: default 30); then the expiry job
   * deletes it. User carts never expire.
   */
  GUEST_CART_TTL_DAYS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(365).default(30)),
  /** How often the expiry job sweeps expired guest carts, in ms (default hourly; at least 1 s). */
  GUEST_CART_SWEEP_INTERVAL_MS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number()
      .int()
      .min(1_000)
      .max(7 * 24 * 3_600_000)
      .default(3_600_000),
  ),
});
export type CartConfig = ReturnType<typeof cartEnvSchema.parse>;

/** Reads and validates the cart subgraph's environment once. @throws ConfigError */
export const loadCartConfig = (env: NodeJS.ProcessEnv = process.env): CartConfig => parseConfig(cartEnvSchema, env);

/** GUEST_CART_TTL_DAYS in ms, the form the services take. */
export const guestCartTtlMs = (config: Pick<CartConfig, 'GUEST_CART_TTL_DAYS'>): number => config.GUEST_CART_TTL_DAYS * 24 * 3_600_000;
