import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import { QueueName, openQueue, createRedis, notificationJobId, type OrderNotificationJob, type Redis } from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';

/**
 * The bull-board dashboard the gateway serves at /admin/queues, over real HTTP: who may open it,
 * the cookie a browser signs in with, and a failed webhook job inspected and retried through it.
 */
let stack: Stack;
let catalog: Catalog;
let base: string;
let adminToken: string;
let customerToken: string;
let redis: Redis;
let notifications: Queue<OrderNotificationJob>;
let receiver: http.Server | undefined;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  base = new URL('/admin/queues', stack.gateway.url).toString();
  const admin = catalog.users.find((u) => u.role === 'admin')!;
  const customer = catalog.users.filter((u) => u.role === 'user')[5]!;
  [adminToken, customerToken] = await Promise.all([
    stack.login(admin.username, admin.password),
    stack.login(customer.username, customer.password),
  ]);
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  notifications = openQueue(QueueName.notifications, redis, stack.redisPrefix);
});

afterAll(async () => {
  await notifications?.close();
  await redis?.quit();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await stack?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('no token → 401 (a browser gets the sign-in form), a bad token → 401, a customer → 403', async () => {
  const api = await fetch(`${base}/api/queues`);
  expect(api.status).toBe(401);
  expect(await api.json()).toEqual({ error: 'Sign in with an admin access token' });

  const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(401);
  expect(await page.text()).toContain('action="/admin/queues/session"');

  expect((await fetch(`${base}/api/queues`, { headers: bearer(`${adminToken}x`) })).status).toBe(401);
  expect((await fetch(`${base}/api/queues`, { headers: { cookie: `commerce_admin_token=${adminToken}x` } })).status).toBe(401);

  const customer = await fetch(`${base}/api/queues`, { headers: bearer(customerToken) });
  expect(customer.status).toBe(403);
  const session = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: customerToken }),
  });
  expect(session.status).toBe(403);
  expect(session.headers.get('set-cookie')).toBeNull();
});

test('an admin with a Bearer token gets the board and its API, which lists every queue', async () => {
  const page = await fetch(`${base}/`, { headers: bearer(adminToken) });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>');

  const api = await fetch(`${base}/api/queues`, { headers: bearer(adminToken) });
  expect(api.status).toBe(200);
  const { queues } = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
  expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QueueName).sort());
});

test('a browser signs in with a form post: HttpOnly SameSite=Strict cookie for the dashboard path, then the board opens', async () => {
  const session = await fetch(`${base}/session`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ token: adminToken }).toString(),
  });
  expect(session.status).toBe(303);
  expect(session.headers.get('location')).toBe('/admin/queues/');
  const setCookie = session.headers.get('set-cookie')!;
  expect(setCookie).toMatch(/^commerce_admin_token=[^;]+; Max-Age=900; Path=\/admin\/queues; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
  const cookie = setCookie.split(';')[0]!;

  expect((await fetch(`${base}/`, { headers: { cookie, accept: 'text/html' } })).status).toBe(200);
  expect((await fetch(`${base}/api/queues`, { headers: { cookie } })).status).toBe(200);

  const logout = await fetch(`${base}/logout`, { method: 'POST', headers: { cookie } });
  expect(logout.status).toBe(204);
  expect(logout.headers.get('set-cookie')).toMatch(/^commerce_admin_token=; Path=\/admin\/queues; Expires=Thu, 01 Jan 1970/);
});

test('a failed webhook job is inspected and retried from the dashboard; the retry delivers it', async () => {
  // Answers 503 until the dashboard retry: the test stack gives a delivery 3 attempts.
  let healthy = false;
  const hits: number[] = [];
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push(healthy ? 200 : 503);
      res.statusCode = healthy ? 200 : 503;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const registered = await stack.gql<{ registerWebhookEndpoint: { endpoint: { id: string } } }>(
    'mutation($url: String!) { registerWebhookEndpoint(url: $url, events: [ORDER_SHIPPED]) { endpoint { id } } }',
    { url },
    adminToken,
  );
  const endpointId = registered.data!.registerWebhookEndpoint.endpoint.id;
  await stack.startWorkers();
  const orderId = randomUUID();
  const userId = (await stack.db.user.user.findFirstOrThrow({ where: { role: 'CUSTOMER' } })).id;
  await notifications.add(
    'ORDER_SHIPPED',
    { kind: 'ORDER_SHIPPED', orderId, userId, status: 'SHIPPED', failureReason: null, totalCents: 100, currencyCode: 'USD', lines: [] },
    { jobId: notificationJobId(orderId, 'SHIPPED') },
  );
  const deliveryStatus = () => stack.db.user.webhookDelivery.findFirst({ where: { endpointId, orderId } });
  await eventually(async () => ((await deliveryStatus())?.status === 'FAILED' ? true : undefined), 'the delivery to fail');

  // Inspect: the failed job, its data and why it failed.
  const listed = await fetch(`${base}/api/queues?activeQueue=${QueueName.webhooks}&status=failed`, { headers: bearer(adminToken) });
  const { queues } = (await listed.json()) as {
    queues: {
      name: string;
      counts: { failed: number };
      jobs: { id: string; failedReason: string; attempts: number; data: { deliveryId: string } }[];
    }[];
  };
  const webhooks = queues.find((q) => q.name === QueueName.webhooks)!;
  expect(webhooks.counts.failed).toBe(1);
  const [failed] = webhooks.jobs;
  expect(failed).toMatchObject({ id: `webhook-${endpointId}-${orderId}-SHIPPED`, failedReason: 'endpoint answered HTTP 503', attempts: 3 });

  // Retry once the merchant is back: delivered, a fourth attempt recorded.
  healthy = true;
  const retry = await fetch(`${base}/api/queues/${QueueName.webhooks}/${encodeURIComponent(failed!.id)}/retry`, {
    method: 'PUT',
    headers: bearer(adminToken),
  });
  expect(retry.status).toBe(204);
  const delivered = await eventually(async () => {
    const d = await deliveryStatus();
    return d?.status === 'DELIVERED' ? d : undefined;
  }, 'the retried delivery');
  expect(delivered.attemptCount).toBe(4);
  expect(hits).toEqual([503, 503, 503, 200]);

  // A customer cannot retry anything.
  const forbidden = await fetch(`${base}/api/queues/${QueueName.webhooks}/${encodeURIComponent(failed!.id)}/retry`, {
    method: 'PUT',
    headers: bearer(customerToken),
  });
  expect(forbidden.status).toBe(403);
});
