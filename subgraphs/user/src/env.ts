import { z } from 'zod';
import { databaseUrl, envSchema, parseConfig, port, workerEnvShape } from '@commerce/common';

export const userEnvSchema = envSchema({
  USER_DATABASE_URL: databaseUrl('user'),
  /** HEALTH_PORT of this subgraph's worker processes (the subgraph itself serves health on its own port). */
  ...workerEnvShape,
  USER_PORT: port(4001),
  /** nodemailer SMTP URL (smtp://user:pass@host:587). Unset: emails are written to MAIL_OUTBOX_DIR. */
  SMTP_URL: z.string().url().optional(),
  /** Folder where emails land as .eml files when SMTP_URL is unset. */
  MAIL_OUTBOX_DIR: z.string().default('.data/mail'),
  MAIL_FROM: z.string().default('Commerce Supergraph <orders@commerce.local>'),
  NOTIFICATION_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /** Webhook POSTs one notification worker process sends at once. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  /** Attempts per webhook delivery (the first included) before it is marked FAILED. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  /** Base of the exponential backoff between attempts, in ms (2 s, 4 s, 8 s … with ±50 % jitter). */
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(2000),
  /** How long one POST may take before it counts as failed, in ms. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * `true`: webhooks may target loopback, private and link-local addresses; `false`: refused (SSRF).
   * Unset: refused when NODE_ENV is production, allowed otherwise (local receivers).
   */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).optional(),
  /**
   * JSON array of Ed25519 private JWKs with a `kid`, newest first: the first signs client tokens,
   * all are published in the JWKS. Required in production; unset elsewhere, a development key
   * is generated once into AUTH_DEV_KEY_FILE.
   */
  AUTH_SIGNING_KEYS: z.string().optional(),
  AUTH_DEV_KEY_FILE: z.string().default('.data/dev-signing-keys.json'),
  /** Storefront base URL of the links in account emails (`<PUBLIC_URL>/verify-email?token=…`, `/reset-password?token=…`). */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  /** Folder of the local SMS and push transports (`sms.jsonl`, `push.jsonl`, one JSON message a line). */
  NOTIFICATION_OUTBOX_DIR: z.string().default('.data/notifications'),
  /** `file`: SMS go to NOTIFICATION_OUTBOX_DIR/sms.jsonl; `http`: POSTed as JSON to SMS_PROVIDER_URL. */
  SMS_TRANSPORT: z.enum(['file', 'http']).default('file'),
  SMS_PROVIDER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Bearer token of the SMS provider's API. */
  SMS_PROVIDER_TOKEN: z.string().optional(),
  /** `file`: push messages go to NOTIFICATION_OUTBOX_DIR/push.jsonl; `http`: POSTed as JSON to PUSH_PROVIDER_URL. */
  PUSH_TRANSPORT: z.enum(['file', 'http']).default('file'),
  PUSH_PROVIDER_URL: z.url({ protocol: /^https?$/ }).optional(),
  PUSH_PROVIDER_TOKEN: z.string().optional(),
}).superRefine((env, ctx) => {
  if (env.SMS_TRANSPORT === 'http' && !env.SMS_PROVIDER_URL) {
    ctx.addIssue({ code: 'custom', path: ['SMS_PROVIDER_URL'], message: 'set SMS_PROVIDER_URL when SMS_TRANSPORT is http' });
  }
  if (env.PUSH_TRANSPORT === 'http' && !env.PUSH_PROVIDER_URL) {
    ctx.addIssue({ code: 'custom', path: ['PUSH_PROVIDER_URL'], message: 'set PUSH_PROVIDER_URL when PUSH_TRANSPORT is http' });
  }
  if (env.NODE_ENV === 'production' && !env.AUTH_SIGNING_KEYS) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_SIGNING_KEYS'], message: 'set AUTH_SIGNING_KEYS in production' });
  }
});
export type UserConfig = ReturnType<typeof userEnvSchema.parse>;

/** Reads and validates the user subgraph's environment once. @throws ConfigError */
export const loadUserConfig = (env: NodeJS.ProcessEnv = process.env): UserConfig => parseConfig(userEnvSchema, env);

/** Whether webhooks may go to internal addresses: WEBHOOK_ALLOW_PRIVATE_NETWORKS, else everywhere but production. */
export const webhooksMayReachPrivateNetworks = (config: UserConfig): boolean =>
  config.WEBHOOK_ALLOW_PRIVATE_NETWORKS ? config.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true' : config.NODE_ENV !== 'production';
