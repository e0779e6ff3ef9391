import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import {
  QueueName,
  bullPrefix,
  openQueue,
  createRedis,
  notificationJobId,
  type OrderNotificationJob,
  type OrderNotificationKind,
  type Redis,
} from '@commerce/common';
import * as user from '@commerce/user';
import { eventually } from '../support/eventually';
import { startMailbox, type Mailbox } from '../support/mailbox';
import { startNotificationWorkers } from '../support/notifications';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/**
 * Issue 11 item 3: per-category, per-channel opt-in/out through the gateway, honoured by the
 * notification worker; receipts and account emails ignore opt-outs. Email goes to a real SMTP
 * server, SMS to a provider's HTTP API (a local server here, selected by configuration as in
 * production), push to the local file transport.
 */
let stack: Stack;
let mailbox: Mailbox;
let redis: Redis;
let eventsRedis: Redis;
let queue: Queue<OrderNotificationJob>;
let queueEvents: QueueEvents;
let workers: user.NotificationWorkers;
let provider: http.Server;
let outboxDir: string;
const smsReceived: { headers: http.IncomingHttpHeaders; body: { to: string; body: string } }[] = [];

beforeAll(async () => {
  [stack, mailbox] = await Promise.all([startStack(), startMailbox()]);
  provider = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      smsReceived.push({ headers: req.headers, body: JSON.parse(raw) as { to: string; body: string } });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms_${smsReceived.length}` }));
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  outboxDir = mkdtempSync(path.join(os.tmpdir(), 'commerce-notify-'));
  redis = createRedis(stack.redisUrl);
  eventsRedis = createRedis(stack.redisUrl);
  workers = await startNotificationWorkers(stack, mailbox.url, redis, {
    channels: user.createChannels({
      sms: { kind: 'http', url: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/messages`, token: 'sk_test_sms' },
      push: { kind: 'file' },
      outboxDir,
    }),
    publicUrl: 'https://shop.test',
  });
  queue = openQueue<OrderNotificationJob>(QueueName.notifications, redis, stack.redisPrefix);
  queueEvents = new QueueEvents(QueueName.notifications, { connection: eventsRedis, prefix: bullPrefix(stack.redisPrefix) });
  await queueEvents.waitUntilReady();
});

afterAll(async () => {
  await workers?.close();
  await queueEvents?.close();
  await queue?.close();
  await redis?.quit();
  await eventsRedis?.quit();
  await mailbox?.close();
  await new Promise<void>((resolve) => (provider ? provider.close(() => resolve()) : resolve()));
  await stack?.close();
  if (outboxDir) rmSync(outboxDir, { recursive: true, force: true });
});

const PREFS = '{ me { notificationPreferences { category channel enabled } } }';
const SET_PREFS = `mutation SetPrefs($p: [NotificationPreferenceInput!]!) {
  setNotificationPreferences(preferences: $p) { category channel enabled }
}`;
const SET_PHONE = 'mutation SetPhone($phone: String) { setPhoneNumber(phone: $phone) { phone } }';

async function register(): Promise<{ id: number; email: string; token: string }> {
  const tag = randomBytes(4).toString('hex');
  const input = {
    username: `pref_${tag}`,
    email: `pref_${tag}@mail.test`,
    password: `correct horse ${tag}`,
    firstName: 'Grace',
    lastName: 'Hopper',
  };
  const res = await stack.gql<{ register: { accessToken: string; user: { id: string } } }>(
    'mutation R($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
    { input },
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  // The verification email is theirs too; wait for it so later counts start from it.
  await mailbox.waitFor(input.email);
  return { id: Number(res.data.register.user.id), email: input.email, token: res.data.register.accessToken };
}

const STATUS: Record<OrderNotificationKind, string> = {
  ORDER_CONFIRMED: 'CONFIRMED',
  ORDER_FAILED: 'FAILED',
  ORDER_CANCELLED: 'CANCELLED',
  ORDER_SHIPPED: 'SHIPPED',
  ORDER_DELIVERED: 'DELIVERED',
};

/** Runs one order notification job for `userId` to completion; returns what the worker returned. */
async function notify(userId: number, kind: OrderNotificationKind, orderId = randomUUID(), jobId?: string) {
  const job: OrderNotificationJob = {
    kind,
    orderId,
    userId,
    status: STATUS[kind],
    failureReason: null,
    totalCents: 4_599,
    currencyCode: 'USD',
    lines: [{ productId: 3, title: 'Powder Canister', quantity: 3, lineTotalCents: 4_599 }],
  };
  const added = await queue.add(kind, job, { jobId: jobId ?? notificationJobId(orderId, job.status) });
  return { orderId, result: (await added.waitUntilFinished(queueEvents, 60_000)) as { emailed: boolean; webhooks: number } };
}

const pushLines = (): { userId: number; title: string; body: string }[] => {
  const file = path.join(outboxDir, 'push.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { userId: number; title: string; body: string })
    : [];
};
const ref = (orderId: string) => orderId.slice(0, 8).toUpperCase();

test('defaults: order updates by email only; marketing off everywhere', async () => {
  const a = await register();
  const res = await stack.gql<{ me: { notificationPreferences: unknown[] } }>(PREFS, {}, a.token);
  expect(res.data!.me.notificationPreferences).toEqual([
    { category: 'ORDER_UPDATES', channel: 'EMAIL', enabled: true },
    { category: 'ORDER_UPDATES', channel: 'SMS', enabled: false },
    { category: 'ORDER_UPDATES', channel: 'PUSH', enabled: false },
    { category: 'MARKETING', channel: 'EMAIL', enabled: false },
    { category: 'MARKETING', channel: 'SMS', enabled: false },
    { category: 'MARKETING', channel: 'PUSH', enabled: false },
  ]);
  const { orderId, result } = await notify(a.id, 'ORDER_SHIPPED');
  expect(result.emailed).toBe(true);
  expect((await mailbox.waitFor(a.email, 2)).subject).toBe(`Order ${ref(orderId)} shipped`);
});

test('signed out: UNAUTHENTICATED; a bad phone number: BAD_USER_INPUT', async () => {
  const set = await stack.gql(SET_PREFS, { p: [{ category: 'MARKETING', channel: 'EMAIL', enabled: true }] });
  expect(set.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  const a = await register();
  for (const phone of ['12', '+1 415 555 267', 'call me']) {
    expect((await stack.gql(SET_PHONE, { phone }, a.token)).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'phone',
    });
  }
  expect((await stack.gql(SET_PHONE, { phone: '+1 415 555 2671' }, a.token)).data).toEqual({ setPhoneNumber: { phone: '+14155552671' } });
  expect((await stack.gql(SET_PHONE, { phone: null }, a.token)).data).toEqual({ setPhoneNumber: { phone: null } });
});

test('order updates follow the choices: email off, SMS (provider) and push (file) on; once per channel', async () => {
  const a = await register();
  await stack.gql(SET_PHONE, { phone: '+14155552671' }, a.token);
  const set = await stack.gql<{ setNotificationPreferences: { category: string; channel: string; enabled: boolean }[] }>(
    SET_PREFS,
    {
      p: [
        { category: 'ORDER_UPDATES', channel: 'EMAIL', enabled: false },
        { category: 'ORDER_UPDATES', channel: 'SMS', enabled: true },
        { category: 'ORDER_UPDATES', channel: 'PUSH', enabled: true },
        { category: 'MARKETING', channel: 'PUSH', enabled: true },
      ],
    },
    a.token,
  );
  expect(set.data!.setNotificationPreferences.filter((p) => p.enabled)).toEqual([
    { category: 'ORDER_UPDATES', channel: 'SMS', enabled: true },
    { category: 'ORDER_UPDATES', channel: 'PUSH', enabled: true },
    { category: 'MARKETING', channel: 'PUSH', enabled: true },
  ]);
  const smsBefore = smsReceived.length;
  const { orderId, result } = await notify(a.id, 'ORDER_DELIVERED');
  expect(result.emailed).toBe(false);

  const sms = smsReceived.slice(smsBefore);
  expect(sms).toHaveLength(1);
  expect(sms[0]!.body.to).toBe('+14155552671');
  expect(sms[0]!.body.body).toContain(`Order ${ref(orderId)} delivered`);
  expect(sms[0]!.headers.authorization).toBe('Bearer sk_test_sms');
  expect(sms[0]!.headers['idempotency-key']).toEqual(expect.any(String));
  const push = pushLines().filter((l) => l.userId === a.id);
  expect(push).toHaveLength(1);
  expect(push[0]).toMatchObject({ title: `Order ${ref(orderId)} delivered`, body: expect.stringContaining('Powder Canister') });

  // The same event again (a re-run job): nothing is sent twice on any channel.
  await notify(a.id, 'ORDER_DELIVERED', orderId, `rerun-${orderId}`);
  expect(smsReceived.slice(smsBefore)).toHaveLength(1);
  expect(pushLines().filter((l) => l.userId === a.id)).toHaveLength(1);
  expect(mailbox.to(a.email)).toHaveLength(1);
});

test('receipts and password reset ignore the opt-out; SMS without a phone number sends nothing', async () => {
  const a = await register();
  await stack.gql(
    SET_PREFS,
    {
      p: ['EMAIL', 'SMS', 'PUSH'].flatMap((channel) =>
        ['ORDER_UPDATES', 'MARKETING'].map((category) => ({
          category,
          channel,
          enabled: channel === 'SMS' && category === 'ORDER_UPDATES',
        })),
      ),
    },
    a.token,
  );
  const smsBefore = smsReceived.length;
  const shipped = await notify(a.id, 'ORDER_SHIPPED');
  expect(shipped.result.emailed).toBe(false);
  expect(smsReceived.length).toBe(smsBefore);

  const confirmed = await notify(a.id, 'ORDER_CONFIRMED');
  expect(confirmed.result.emailed).toBe(true);
  const receipt = await mailbox.waitFor(a.email, 2);
  expect(receipt.subject).toBe(`Order ${ref(confirmed.orderId)} confirmed`);
  expect(receipt.text).toContain('Total: $45.99');

  expect((await stack.gql('mutation R($e: String!) { requestPasswordReset(email: $e) }', { e: a.email })).data).toEqual({
    requestPasswordReset: true,
  });
  expect((await mailbox.waitFor(a.email, 3)).subject).toBe('Reset your password');
  await eventually(async () => ((await queue.getJobCounts('active', 'waiting')).active === 0 ? true : undefined), 'idle queue');
  expect(mailbox.to(a.email)).toHaveLength(3);
  expect(pushLines().filter((l) => l.userId === a.id)).toHaveLength(0);
});

test('an admin reads anyone’s preferences', async () => {
  const a = await register();
  const admin = await stack.db.user.user.findFirstOrThrow({ where: { role: 'ADMIN' } });
  const adminToken = await mintAccessToken({ userId: admin.id, role: 'ADMIN' });
  const res = await stack.gql<{ users: { edges: { node: { notificationPreferences: unknown[] } }[] } }>(
    'query U($s: String) { users(filter: { search: $s }) { edges { node { notificationPreferences { category channel enabled } } } } }',
    { s: a.email },
    adminToken,
  );
  expect(res.data!.users.edges).toHaveLength(1);
  expect(res.data!.users.edges[0]!.node.notificationPreferences).toHaveLength(6);
});
