import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from '../src/notifications/webhook-signature';

const secret = 'whsec_test';
const body = '{"id":"evt_1","type":"order.confirmed"}';
const t = 1_700_000_000;

test('the signature is t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">', () => {
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${expected}`);
});

test('verification accepts the signed body and refuses a changed body, another secret, a stale or malformed header', () => {
  const header = signWebhook(secret, body, t);
  expect(verifyWebhookSignature(secret, body, header, { now: t + 10 })).toBe(true);
  expect(verifyWebhookSignature(secret, body.replace('confirmed', 'cancelled'), header, { now: t })).toBe(false);
  expect(verifyWebhookSignature('whsec_other', body, header, { now: t })).toBe(false);
  expect(verifyWebhookSignature(secret, body, header, { now: t + 301 })).toBe(false);
  expect(verifyWebhookSignature(secret, body, `t=${t},v1=zz`, { now: t })).toBe(false);
  expect(verifyWebhookSignature(secret, body, 'garbage', { now: t })).toBe(false);
  // Several v1 values (during a secret rotation): one match is enough.
  expect(verifyWebhookSignature(secret, body, `t=${t},v1=${'0'.repeat(64)},${header.split(',')[1]}`, { now: t })).toBe(true);
});
