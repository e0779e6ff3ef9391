import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Header names of a webhook delivery. */
export const WebhookHeader = {
  /** Unix seconds when this attempt was signed. */
  timestamp: 'commerce-webhook-timestamp',
  /** `t=<timestamp>,v1=<hex HMAC-SHA256>`, Stripe's scheme (docs.stripe.com/webhooks#verify-manually). */
  signature: 'commerce-webhook-signature',
  /** The event id (= delivery id), the same on every retry: receivers deduplicate by it. */
  id: 'commerce-webhook-id',
  /** `order.confirmed`, `order.cancelled`, … */
  event: 'commerce-webhook-event',
} as const;

/** A new signing secret: `whsec_` + 32 random bytes, base64url (256 bits, as HMAC-SHA256's block wants at least). */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

const hmac = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/**
 * The signature header of `body` sent at `timestamp` (Unix seconds):
 * `t=<timestamp>,v1=<hex(HMAC-SHA256(secret, "<timestamp>.<body>"))>`. Signing the timestamp with
 * the body lets a receiver refuse replays of an old delivery.
 */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * What a receiver does: parses the header, recomputes the HMAC over the raw body, compares in
 * constant time and refuses timestamps more than `toleranceSeconds` (default 300) from `now`.
 * @returns true when one of the header's `v1` signatures matches.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isSafeInteger(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return parts.some(([k, v]) => {
    if (k !== 'v1' || !v || !/^[0-9a-f]{64}$/.test(v)) return false;
    return timingSafeEqual(Buffer.from(v, 'hex'), expected);
  });
}
