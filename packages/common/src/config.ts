import { z } from 'zod';

/** Thrown when environment variables do not pass validation; the message lists every problem. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
    Object.setPrototypeOf(this, ConfigError.prototype);
  }
}

/**
 * Parses `env` against `schema` once, at start-up. Every failing variable is reported together,
 * so a misconfigured deployment is fixed in one round trip rather than one variable at a time.
 * @throws ConfigError listing each invalid variable.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** A TCP port number; empty strings count as missing so `PORT=` falls back to the default. */
export const port = (defaultPort: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).default(defaultPort));

/**
 * The Prometheus metrics listener of every process (issue 12 item 1): `METRICS_PORT` unset means
 * none (several processes share a host, so no fixed default could be right; the process manifest
 * gives each its own), 0 picks a free port (logged). `METRICS_HOST` defaults to 127.0.0.1: the
 * listener is never the public port, and only Prometheus should reach it.
 */
export const metricsEnvShape = {
  METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  METRICS_HOST: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).default('127.0.0.1')),
};

const DEV_SECRET = 'dev-only-secret-change-me-0123456789abcdef';

/**
 * Variables every process of the supergraph reads. Secrets have development defaults so
 * `npm start` works on a fresh clone; production refuses them.
 */
export const baseEnvShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Interface servers listen on; 0.0.0.0 inside containers. */
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key, BullMQ queue and pub/sub channel, so several stacks share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('commerce'),
  /** HMAC key of the gateway-signed caller token that subgraphs trust (at least 32 characters). */
  INTERNAL_JWT_SECRET: z.string().min(32).default(DEV_SECRET),
  /** URLs of the subgraphs, used by composition and by workers calling an owning subgraph. */
  USER_SUBGRAPH_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
  PRODUCT_SUBGRAPH_URL: z.string().url().default('http://127.0.0.1:4002/graphql'),
  REVIEW_SUBGRAPH_URL: z.string().url().default('http://127.0.0.1:4003/graphql'),
  CART_SUBGRAPH_URL: z.string().url().default('http://127.0.0.1:4004/graphql'),
  ORDER_SUBGRAPH_URL: z.string().url().default('http://127.0.0.1:4005/graphql'),
  /** Longest one readiness check (database, Redis, a subgraph's readiness) may take, in ms, before it counts as down. */
  HEALTH_CHECK_TIMEOUT_MS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(10).max(60_000).default(1_000)),
  /**
   * On SIGTERM/SIGINT, how long readiness answers 503 `shutting_down` while the process still
   * serves, in ms, before it drains: time for a load balancer or Kubernetes to stop sending it
   * traffic. 0 (the default) drains at once, as a local Ctrl-C wants; set ~5 000 behind Kubernetes.
   */
  SHUTDOWN_DELAY_MS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(60_000).default(0)),
  ...metricsEnvShape,
};

/**
 * Variables of worker processes (they share their subgraph's env schema, which spreads this in).
 * `HEALTH_PORT` unset: no health listener (several workers of one kind may share a host, so no
 * fixed default could be right); 0 picks a free port, logged in the ready line.
 */
export const workerEnvShape = {
  HEALTH_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
};

/** The base variables plus a process's own, with the production checks on secrets. */
export function envSchema<S extends z.ZodRawShape>(shape: S) {
  return z.object({ ...baseEnvShape, ...shape }).superRefine((raw, ctx) => {
    const env = raw as unknown as { NODE_ENV: string; INTERNAL_JWT_SECRET: string };
    if (env.NODE_ENV === 'production' && env.INTERNAL_JWT_SECRET.startsWith(DEV_SECRET)) {
      ctx.addIssue({ code: 'custom', path: ['INTERNAL_JWT_SECRET'], message: 'set INTERNAL_JWT_SECRET in production' });
    }
  });
}

export const baseEnvSchema = envSchema({});

export type BaseConfig = z.infer<typeof baseEnvSchema>;

/** The subgraphs of the supergraph; each owns one database. Composition and tools use this order. */
export const SUBGRAPHS = ['user', 'product', 'review', 'cart', 'order'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

/** Local default of `<SUBGRAPH>_DATABASE_URL`. */
export const defaultDatabaseUrl = (subgraph: SubgraphName) => `postgresql://postgres@127.0.0.1:5432/commerce_${subgraph}`;

/** `<SUBGRAPH>_DATABASE_URL`: a postgresql:// URL; unset or empty means {@link defaultDatabaseUrl}. */
export const databaseUrl = (subgraph: SubgraphName) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
      .default(defaultDatabaseUrl(subgraph)),
  );

/** The `*_SUBGRAPH_URL` of each subgraph, keyed by name. */
export function subgraphUrls(config: BaseConfig): Record<SubgraphName, string> {
  return {
    user: config.USER_SUBGRAPH_URL,
    product: config.PRODUCT_SUBGRAPH_URL,
    review: config.REVIEW_SUBGRAPH_URL,
    cart: config.CART_SUBGRAPH_URL,
    order: config.ORDER_SUBGRAPH_URL,
  };
}
