import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueEvents, type Queue } from 'bullmq';
import {
  QueueName,
  bullPrefix,
  createLogger,
  openQueue,
  createRedis,
  notificationJobId,
  type OrderNotificationJob,
  type Redis,
  type WebhookDeliveryJob,
} from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import * as user from '@commerce/user';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';

/**
 * Signed webhooks end to end: admins register endpoints through the gateway; a real checkout
 * (and a notification job put on the queue directly, for SHIPPED) makes the notification worker
 * queue deliveries; HTTP receivers started here check every signature with the secret they were
 * given, computed independently with node:crypto.
 */

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

/** An HTTP receiver that answers with `statuses[n]` on its n-th request (the last one after that). */
async function startReceiver(statuses: number[]) {
  const requests: Received[] = [];
  let secret = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ headers: req.headers, body, signatureValid: verify(secret, body, req.headers) });
      res.statusCode = statuses[Math.min(requests.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    setSecret: (s: string) => {
      secret = s;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** What a merchant's receiver does (Stripe's manual verification): HMAC-SHA256 over `<t>.<raw body>`. */
function verify(secret: string, body: string, headers: http.IncomingHttpHeaders): boolean {
  const header = String(headers['commerce-webhook-signature'] ?? '');
  const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  if (!fields.t || !fields.v1 || fields.t !== headers['commerce-webhook-timestamp']) return false;
  const expected = createHmac('sha256', secret).update(`${fields.t}.${body}`).digest();
  const given = Buffer.from(fields.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const REGISTER = `mutation($url: String!, $events: [WebhookEventType!]!) {
  registerWebhookEndpoint(url: $url, events: $events) { secret endpoint { id url events createdAt } }
}`;
const ENDPOINTS = `{ webhookEndpoints { id url events deliveries { id eventType orderId status attemptCount lastStatusCode deliveredAt } } }`;
const DELETE = 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }';

interface EndpointData {
  id: string;
  url: string;
  events: string[];
  deliveries: { id: string; eventType: string; orderId: string; status: string; attemptCount: number; lastStatusCode: number | null }[];
}

let stack: Stack;
let catalog: Catalog;
let adminToken: string;
let customerToken: string;
let redis: Redis;
let eventsRedis: Redis;
let notifications: Queue<OrderNotificationJob>;
let webhookQueue: Queue<WebhookDeliveryJob>;
let queueEvents: QueueEvents;
const receivers: Receiver[] = [];

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  const admin = catalog.users.find((u) => u.role === 'admin')!;
  const customer = catalog.users.filter((u) => u.role === 'user')[3]!;
  [adminToken, customerToken] = await Promise.all([
    stack.login(admin.username, admin.password),
    stack.login(customer.username, customer.password),
  ]);
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  eventsRedis = redis.duplicate();
  notifications = openQueue(QueueName.notifications, redis, stack.redisPrefix);
  webhookQueue = openQueue(QueueName.webhooks, redis, stack.redisPrefix);
  queueEvents = new QueueEvents(QueueName.notifications, { connection: eventsRedis, prefix: bullPrefix(stack.redisPrefix) });
  await queueEvents.waitUntilReady();
  await stack.startWorkers();
});

afterAll(async () => {
  await queueEvents?.close();
  await Promise.all([notifications?.close(), webhookQueue?.close()]);
  await Promise.all([redis?.quit(), eventsRedis?.quit()]);
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.close();
});

async function register(receiver: Receiver, events: string[]) {
  const res = await stack.gql<{ registerWebhookEndpoint: { secret: string; endpoint: { id: string; url: string; events: string[] } } }>(
    REGISTER,
    { url: receiver.url, events },
    adminToken,
  );
  expect(res.errors).toBeUndefined();
  const { secret, endpoint } = res.data!.registerWebhookEndpoint;
  receiver.setSecret(secret);
  return { secret, endpoint };
}

const endpoints = async () => (await stack.gql<{ webhookEndpoints: EndpointData[] }>(ENDPOINTS, {}, adminToken)).data!.webhookEndpoints;

test('only admins manage webhook endpoints: anonymous → UNAUTHENTICATED, customer → FORBIDDEN', async () => {
  const args = { url: 'https://merchant.example/hooks', events: ['ORDER_CONFIRMED'] };
  for (const [token, code] of [
    [undefined, 'UNAUTHENTICATED'],
    [customerToken, 'FORBIDDEN'],
  ] as const) {
    const register = await stack.gql(REGISTER, args, token);
    expect(register.data).toBeNull();
    expect(register.errors?.[0]?.extensions?.code).toBe(code);
    const list = await stack.gql(ENDPOINTS, {}, token);
    expect(list.errors?.[0]?.extensions?.code).toBe(code);
    const del = await stack.gql(DELETE, { id: randomUUID() }, token);
    expect(del.errors?.[0]?.extensions?.code).toBe(code);
  }
  expect(await stack.db.user.webhookEndpoint.count()).toBe(0);
});

test('registration validates the URL (http/https only) and the event list', async () => {
  for (const url of ['ftp://merchant.example/hooks', 'javascript:alert(1)', 'not a url', 'file:///etc/passwd']) {
    const res = await stack.gql(REGISTER, { url, events: ['ORDER_CONFIRMED'] }, adminToken);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
  }
  const empty = await stack.gql(REGISTER, { url: 'https://merchant.example/hooks', events: [] }, adminToken);
  expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
  const unknown = await stack.gql(REGISTER, { url: 'https://merchant.example/hooks', events: ['ORDER_EXPLODED'] }, adminToken);
  expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(await stack.db.user.webhookEndpoint.count()).toBe(0);
});

test('a checkout sends each listening endpoint one signed delivery; a failing receiver is retried until it answers 2xx', async () => {
  const steady = await startReceiver([204]);
  const flaky = await startReceiver([500, 502, 200]);
  const down = await startReceiver([503]);
  const cancelsOnly = await startReceiver([200]);
  receivers.push(steady, flaky, down, cancelsOnly);
  const a = await register(steady, ['ORDER_CONFIRMED', 'ORDER_SHIPPED', 'ORDER_CONFIRMED']);
  const b = await register(flaky, ['ORDER_CONFIRMED']);
  const c = await register(down, ['ORDER_CONFIRMED']);
  const d = await register(cancelsOnly, ['ORDER_CANCELLED']);
  expect(a.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  expect(new Set([a.secret, b.secret, c.secret, d.secret]).size).toBe(4);
  expect(a.endpoint.events).toEqual(['ORDER_CONFIRMED', 'ORDER_SHIPPED']);
  // The secret is shown once: the listing has no such field, and the SDL does not offer it.
  expect((await stack.gql('{ webhookEndpoints { id secret } }', {}, adminToken)).errors?.[0]?.extensions?.code).toBe(
    'GRAPHQL_VALIDATION_FAILED',
  );

  // A real checkout through the gateway: the checkout worker confirms and queues the notification.
  const product = catalog.products.find((p) => p.stock > 5)!;
  await stack.gql(`mutation { addToCart(productId: "${product.id}", quantity: 2) { totalQuantity } }`, {}, customerToken);
  const placed = await stack.gql<{ checkout: { order: { id: string } } }>(
    'mutation { checkout(input: { idempotencyKey: "webhooks-1" }) { order { id } } }',
    {},
    customerToken,
  );
  const orderId = placed.data!.checkout.order.id;
  const order = await eventually(async () => {
    const res = await stack.gql<{ order: { status: string; total: { amount: number; currencyCode: string } } }>(
      'query($id: ID!) { order(id: $id) { status total { amount currencyCode } } }',
      { id: orderId },
      customerToken,
    );
    return res.data?.order.status === 'CONFIRMED' ? res.data.order : undefined;
  }, 'the order to be confirmed');

  const deliveryOf = (endpointId: string) =>
    eventually(async () => {
      const endpoint = (await endpoints()).find((e) => e.id === endpointId);
      const delivery = endpoint?.deliveries.find((x) => x.orderId === orderId);
      return delivery && delivery.status !== 'PENDING' ? delivery : undefined;
    }, `the delivery to ${endpointId}`);
  const [toSteady, toFlaky, toDown] = await Promise.all([deliveryOf(a.endpoint.id), deliveryOf(b.endpoint.id), deliveryOf(c.endpoint.id)]);

  // The steady receiver: one POST, signed with its secret, carrying the order as the supergraph has it.
  expect(toSteady).toMatchObject({ eventType: 'ORDER_CONFIRMED', status: 'DELIVERED', attemptCount: 1, lastStatusCode: 204 });
  expect(steady.requests).toHaveLength(1);
  const [first] = steady.requests;
  expect(first!.signatureValid).toBe(true);
  expect(first!.headers['content-type']).toBe('application/json');
  expect(first!.headers['commerce-webhook-id']).toBe(toSteady.id);
  expect(first!.headers['commerce-webhook-event']).toBe('order.confirmed');
  const event = JSON.parse(first!.body) as {
    id: string;
    type: string;
    data: {
      order: {
        id: string;
        status: string;
        total: { amount: number; currencyCode: string };
        items: { productId: number; quantity: number }[];
      };
    };
  };
  expect(event).toMatchObject({ id: toSteady.id, type: 'order.confirmed' });
  expect(event.data.order).toMatchObject({ id: orderId, status: 'CONFIRMED', total: order.total });
  expect(event.data.order.items).toEqual([expect.objectContaining({ productId: product.id, quantity: 2 })]);
  // A signature made with another endpoint's secret does not verify: each endpoint has its own key.
  expect(verify(b.secret, first!.body, first!.headers)).toBe(false);

  // The flaky receiver: 500, 502, then 200 → delivered once, three attempts recorded, same event each time.
  expect(toFlaky).toMatchObject({ status: 'DELIVERED', attemptCount: 3, lastStatusCode: 200 });
  expect(flaky.requests.map((r) => r.signatureValid)).toEqual([true, true, true]);
  expect(new Set(flaky.requests.map((r) => r.body)).size).toBe(1);
  expect(new Set(flaky.requests.map((r) => r.headers['commerce-webhook-id']))).toEqual(new Set([toFlaky.id]));
  const attempts = await stack.db.user.webhookDeliveryAttempt.findMany({ where: { deliveryId: toFlaky.id }, orderBy: { attempt: 'asc' } });
  expect(attempts.map((x) => [x.attempt, x.statusCode])).toEqual([
    [1, 500],
    [2, 502],
    [3, 200],
  ]);

  // The receiver that is down: every attempt (3 in the test stack) fails → FAILED.
  expect(toDown).toMatchObject({ status: 'FAILED', attemptCount: 3, lastStatusCode: 503 });
  expect(down.requests).toHaveLength(3);
  // The endpoint that listens to cancellations only heard nothing.
  expect(cancelsOnly.requests).toHaveLength(0);

  // The same notification job again (another job id, as after a Redis flush): delivered
  // deliveries are not queued again (a FAILED one keeps its failed job, which the dashboard retries).
  const completedBefore = (await webhookQueue.getJobCounts('completed')).completed;
  const recorded = await stack.db.user.webhookDelivery.findUniqueOrThrow({ where: { id: toSteady.id } });
  const rerun = await notifications.add(
    'ORDER_CONFIRMED',
    {
      kind: 'ORDER_CONFIRMED',
      orderId,
      userId: (JSON.parse(recorded.payload) as { data: { order: { userId: number } } }).data.order.userId,
      status: 'CONFIRMED',
      failureReason: null,
      totalCents: order.total.amount,
      currencyCode: order.total.currencyCode,
      lines: [],
    },
    { jobId: `${notificationJobId(orderId, 'CONFIRMED')}-again` },
  );
  expect(await rerun.waitUntilFinished(queueEvents, 30_000)).toEqual({ emailed: false, webhooks: 3 });
  const queued = await webhookQueue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
  expect(queued.map((j) => j.data.deliveryId).filter((id) => id === toSteady.id || id === toFlaky.id)).toEqual([]);
  expect((await webhookQueue.getJobCounts('completed')).completed).toBe(completedBefore);
  expect(steady.requests).toHaveLength(1);
  expect(flaky.requests).toHaveLength(3);

  // A delivery job run again after its 2xx (a stalled job, a retry from the dashboard) sends nothing.
  const service = new user.WebhookDeliveryService(stack.db.user, webhookQueue, { timeoutMs: 1000, logger: createLogger('test', 'silent') });
  expect(await service.deliver(toSteady.id)).toBe('already-delivered');
  expect(await service.deliver(toFlaky.id)).toBe('already-delivered');
  expect(steady.requests).toHaveLength(1);
  expect(flaky.requests).toHaveLength(3);
});

test('deliveries follow the events an endpoint listens to; a deleted endpoint is gone', async () => {
  const receiver = await startReceiver([200]);
  receivers.push(receiver);
  const { endpoint } = await register(receiver, ['ORDER_SHIPPED']);
  const orderId = randomUUID();
  const userId = (await stack.db.user.user.findFirstOrThrow({ where: { role: 'CUSTOMER' } })).id;
  const shipped: OrderNotificationJob = {
    kind: 'ORDER_SHIPPED',
    orderId,
    userId,
    status: 'SHIPPED',
    failureReason: null,
    totalCents: 4999,
    currencyCode: 'USD',
    lines: [{ productId: 3, title: 'Powder Canister', quantity: 1, lineTotalCents: 4999 }],
  };
  const added = await notifications.add(shipped.kind, shipped, { jobId: notificationJobId(orderId, 'SHIPPED') });
  await added.waitUntilFinished(queueEvents, 30_000);
  await eventually(() => (receiver.requests.length > 0 ? true : undefined), 'the shipped webhook');
  const body = JSON.parse(receiver.requests[0]!.body) as { type: string; data: { order: { id: string; total: { amount: number } } } };
  expect(receiver.requests[0]!.signatureValid).toBe(true);
  expect(body).toMatchObject({ type: 'order.shipped', data: { order: { id: orderId, total: { amount: 4999 } } } });

  expect((await stack.gql(DELETE, { id: endpoint.id }, adminToken)).data).toEqual({ deleteWebhookEndpoint: true });
  expect((await endpoints()).map((e) => e.id)).not.toContain(endpoint.id);
  expect((await stack.gql(DELETE, { id: endpoint.id }, adminToken)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});

test('with private networks not allowed (production), a loopback endpoint is refused without a request and the delivery fails for good', async () => {
  const receiver = await startReceiver([200]);
  receivers.push(receiver);
  const { endpoint } = await register(receiver, ['ORDER_DELIVERED']);
  // A queue nobody works on: the delivery is run by hand below, by a service that refuses private networks.
  const parked = openQueue<WebhookDeliveryJob>(QueueName.webhooks, redis, `${stack.redisPrefix}:parked`);
  const service = new user.WebhookDeliveryService(stack.db.user, parked, {
    timeoutMs: 1000,
    allowPrivateNetworks: false,
    logger: createLogger('test', 'silent'),
  });
  try {
    const orderId = randomUUID();
    const userId = (await stack.db.user.user.findFirstOrThrow({ where: { role: 'CUSTOMER' } })).id;
    const delivered: OrderNotificationJob = {
      kind: 'ORDER_DELIVERED',
      orderId,
      userId,
      status: 'DELIVERED',
      failureReason: null,
      totalCents: 100,
      currencyCode: 'USD',
      lines: [],
    };
    expect(await service.enqueueForOrder(delivered)).toBe(1);
    const delivery = await stack.db.user.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id, orderId } });
    await expect(service.deliver(delivery.id)).rejects.toBeInstanceOf(user.BlockedWebhookAddressError);
    expect(receiver.requests).toHaveLength(0);
    const after = await stack.db.user.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id }, include: { attempts: true } });
    expect(after.status).toBe('FAILED');
    expect(after.attempts).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: null, error: expect.stringContaining('private or internal address') }),
    ]);
  } finally {
    await parked.obliterate({ force: true });
    await parked.close();
    await service.close();
  }
});
