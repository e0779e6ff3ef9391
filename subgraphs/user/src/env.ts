import { z } from 'zod';
import { databaseUrl, envSchema, parseConfig, port } from '@commerce/common';

export const userEnvSchema = envSchema({
  USER_DATABASE_URL: databaseUrl('user'),
  USER_PORT: port(4001),
  /** nodemailer SMTP URL (smtp://user:pass@host:587). Unset: emails are written to MAIL_OUTBOX_DIR. */
  SMTP_URL: z.string().url().optional(),
  /** Folder where emails land as .eml files when SMTP_URL is unset. */
  MAIL_OUTBOX_DIR: z.string().default('.data/mail'),
  MAIL_FROM: z.string().default('Commerce Supergraph <orders@commerce.local>'),
  NOTIFICATION_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /**
   * JSON array of Ed25519 private JWKs with a `kid`, newest first: the first signs client tokens,
   * all are published in the JWKS. Required in production; unset elsewhere, a development key
   * is generated once into AUTH_DEV_KEY_FILE.
   */
  AUTH_SIGNING_KEYS: z.string().optional(),
  AUTH_DEV_KEY_FILE: z.string().default('.data/dev-signing-keys.json'),
}).superRefine((env, ctx) => {
  if (env.NODE_ENV === 'production' && !env.AUTH_SIGNING_KEYS) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_SIGNING_KEYS'], message: 'set AUTH_SIGNING_KEYS in production' });
  }
});
export type UserConfig = ReturnType<typeof userEnvSchema.parse>;

/** Reads and validates the user subgraph's environment once. @throws ConfigError */
export const loadUserConfig = (env: NodeJS.ProcessEnv = process.env): UserConfig => parseConfig(userEnvSchema, env);
