import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fetch } from 'undici';
import type { Email, Mailer } from './mailer';

/** The channels a notification can go out on (Prisma's NotificationChannelName). */
export const ChannelNames = ['EMAIL', 'SMS', 'PUSH'] as const;
export type ChannelName = (typeof ChannelNames)[number];

/** Who a message is for; each channel takes the address it needs. */
export interface Recipient {
  userId: number;
  email: string;
  firstName: string;
  /** E.164, or null when the user gave none (SMS then skips them). */
  phone: string | null;
}

/** One notification, rendered: `text` and `html` say the same (SMS and push use `text`). */
export interface NotificationMessage {
  to: Recipient;
  subject: string;
  text: string;
  html: string;
}

/** One way to reach a user. Adapters differ only in their transport (SMTP, a file, a provider's HTTP API). */
export interface NotificationChannel {
  readonly name: ChannelName;
  /**
   * Sends `message`.
   * @returns the transport's message id, or null when the recipient cannot be reached on this
   *   channel (no phone number): nothing was sent and nothing should be retried.
   * @throws the transport's error (the job retries).
   */
  send(message: NotificationMessage): Promise<string | null>;
}

/** Where SMS and push messages go: a provider's API or a local file. */
export interface MessageTransport {
  /** Delivers `payload` (JSON-serialisable); resolves to a message id. @throws on failure. */
  deliver(payload: Record<string, unknown>): Promise<string>;
}

/** Email through nodemailer (SMTP, or .eml files when no SMTP server is configured: mailer.ts). */
export function emailChannel(mailer: Mailer): NotificationChannel {
  return {
    name: 'EMAIL',
    send: ({ to, subject, text, html }) => mailer.send({ to: to.email, subject, text, html } satisfies Email),
  };
}

/** SMS: the plain text to the recipient's phone; users without a phone number are skipped. */
export function smsChannel(transport: MessageTransport): NotificationChannel {
  return {
    name: 'SMS',
    send: async ({ to, subject, text }) => (to.phone ? transport.deliver({ to: to.phone, body: `${subject}\n\n${text}` }) : null),
  };
}

/** Push: a title and body addressed to the user (a provider resolves the user's devices). */
export function pushChannel(transport: MessageTransport): NotificationChannel {
  return {
    name: 'PUSH',
    send: ({ to, subject, text }) => transport.deliver({ userId: to.userId, title: subject, body: text }),
  };
}

/**
 * The local transport, like the email outbox: each message is one JSON line (`id`, `at`, then the
 * payload) appended to `file`, which a developer can read or `tail -f`.
 */
export function fileTransport(file: string): MessageTransport {
  return {
    async deliver(payload) {
      const id = randomUUID();
      await mkdir(path.dirname(file), { recursive: true });
      await appendFile(file, `${JSON.stringify({ id, at: new Date().toISOString(), ...payload })}\n`);
      return id;
    },
  };
}

/**
 * A provider's HTTP API: POSTs the payload as JSON to `url` with `Authorization: Bearer <token>`
 * and an `Idempotency-Key`; a 2xx answer is delivered, its JSON `id` (when any) is the message id.
 * @throws Error on a non-2xx answer, a network error or after `timeoutMs`.
 */
export function httpTransport(options: { url: string; token?: string; timeoutMs: number }): MessageTransport {
  return {
    async deliver(payload) {
      const key = randomUUID();
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
      if (!response.ok) throw new Error(`provider answered ${response.status}`);
      return typeof body?.id === 'string' ? body.id : key;
    },
  };
}

/** How to reach a provider, as configured (env.ts). */
export interface TransportConfig {
  /** `file`: JSON lines under `outboxDir`; `http`: POSTs to `url`. */
  kind: 'file' | 'http';
  url?: string;
  token?: string;
}

/** The SMS and push channels the configuration selects. */
export function createChannels(options: { sms: TransportConfig; push: TransportConfig; outboxDir: string; timeoutMs?: number }) {
  const transport = (config: TransportConfig, file: string): MessageTransport =>
    config.kind === 'http' && config.url
      ? httpTransport({ url: config.url, token: config.token, timeoutMs: options.timeoutMs ?? 10_000 })
      : fileTransport(path.join(options.outboxDir, file));
  return { SMS: smsChannel(transport(options.sms, 'sms.jsonl')), PUSH: pushChannel(transport(options.push, 'push.jsonl')) };
}
export type ExtraChannels = Partial<Record<Exclude<ChannelName, 'EMAIL'>, NotificationChannel>>;
