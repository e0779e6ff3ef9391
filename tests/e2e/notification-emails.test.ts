import { randomUUID } from 'node:crypto';
import { QueueEvents, type Queue } from 'bullmq';
import type { ParsedMail } from 'mailparser';
import {
  OrderNotificationKinds,
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
import { startMailbox, type Mailbox } from '../support/mailbox';
import { startNotificationWorkers } from '../support/notifications';
import { startStack, type Stack } from '../support/stack';

/**
 * Order emails end to end through real parts: jobs on the stack's BullMQ notifications queue, the
 * notification worker reading the recipient from the stack's user database, nodemailer over SMTP
 * to the suite's SMTP server (tests/support/mailbox), and every message parsed back with mailparser.
 */
const STATUS: Record<OrderNotificationKind, string> = {
  ORDER_CONFIRMED: 'CONFIRMED',
  ORDER_FAILED: 'FAILED',
  ORDER_CANCELLED: 'CANCELLED',
  ORDER_SHIPPED: 'SHIPPED',
  ORDER_DELIVERED: 'DELIVERED',
};

let stack: Stack;
let mailbox: Mailbox;
const refuseOnce = new Set<string>();
let redis: Redis;
let eventsRedis: Redis;
let queue: Queue<OrderNotificationJob>;
let queueEvents: QueueEvents;
let workers: user.NotificationWorkers;
let notifications: user.NotificationService;
let emily: { id: number; email: string; firstName: string };

/** True, once, for a message about an order in `refuseOnce`. */
function refusedOnce(mail: ParsedMail): boolean {
  const orderId = [...refuseOnce].find((id) => mail.text?.includes(id));
  if (orderId) refuseOnce.delete(orderId);
  return orderId !== undefined;
}

beforeAll(async () => {
  [stack, mailbox] = await Promise.all([
    startStack(),
    // The orders the test marks get one temporary failure: the sender must retry.
    startMailbox({ refuse: refusedOnce }),
  ]);
  redis = createRedis(stack.redisUrl);
  queue = openQueue<OrderNotificationJob>(QueueName.notifications, redis, stack.redisPrefix);
  eventsRedis = redis.duplicate();
  queueEvents = new QueueEvents(QueueName.notifications, { connection: eventsRedis, prefix: bullPrefix(stack.redisPrefix) });
  workers = await startNotificationWorkers(stack, mailbox.url, redis, { notificationConcurrency: 3 });
  notifications = new user.NotificationService(
    stack.db.user,
    user.createMailer({ smtpUrl: mailbox.url, outboxDir: '/nonexistent', from: 'Shop <orders@shop.test>' }),
    stack.logger,
  );
  await queueEvents.waitUntilReady();
  emily = await stack.db.user.user.findUniqueOrThrow({ where: { username: 'emilys' } });
});

afterAll(async () => {
  await workers?.close();
  await queueEvents?.close();
  await queue?.close();
  await redis?.quit();
  await eventsRedis?.quit();
  await mailbox?.close();
  await stack?.close();
});

const jobFor = (kind: OrderNotificationKind, orderId = randomUUID()): OrderNotificationJob => ({
  kind,
  orderId,
  userId: emily.id,
  status: STATUS[kind],
  failureReason: kind === 'ORDER_FAILED' ? 'OUT_OF_STOCK' : null,
  totalCents: 123_456 + 799 * 3,
  currencyCode: 'USD',
  lines: [
    { productId: 1, title: 'Essence Mascara Lash Princess', quantity: 1, lineTotalCents: 123_456 },
    { productId: 7, title: 'Chanel Coco Noir <Eau> & "de Parfum"', quantity: 3, lineTotalCents: 799 * 3 },
  ],
});

/** Adds a job and waits until the worker has finished it; returns what the processor returned. */
async function run(job: OrderNotificationJob, jobId = notificationJobId(job.orderId, job.status)) {
  const added = await queue.add(job.kind, job, { jobId });
  return (await added.waitUntilFinished(queueEvents, 30_000)) as { emailed: boolean; webhooks: number };
}

const mailsFor = (orderId: string) => mailbox.received.filter((m) => m.text?.includes(orderId));

test.each(OrderNotificationKinds)('%s: one email to the customer with order number, line items and total', async (kind) => {
  const job = jobFor(kind);
  const result = await run(job);
  expect(result).toEqual({ emailed: true, webhooks: 0 });

  const mails = mailsFor(job.orderId);
  expect(mails).toHaveLength(1);
  const mail = mails[0]!;
  const ref = job.orderId.slice(0, 8).toUpperCase();
  expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([emily.email]);
  expect(mail.from?.value[0]?.address).toBe('orders@shop.test');
  expect(mail.subject).toBe(
    {
      ORDER_CONFIRMED: `Order ${ref} confirmed`,
      ORDER_FAILED: `Order ${ref} could not be placed`,
      ORDER_CANCELLED: `Order ${ref} cancelled`,
      ORDER_SHIPPED: `Order ${ref} shipped`,
      ORDER_DELIVERED: `Order ${ref} delivered`,
    }[kind],
  );
  const text = mail.text!;
  expect(text).toContain(`Hi ${emily.firstName},`);
  expect(text).toContain(`Order number: ${ref} (${job.orderId})`);
  expect(text).toContain('1 × Essence Mascara Lash Princess  $1,234.56');
  expect(text).toContain('3 × Chanel Coco Noir <Eau> & "de Parfum"  $23.97');
  expect(text).toContain('Total: $1,258.53');
  // The HTML part carries the same content, with the product title escaped.
  const html = String(mail.html);
  expect(html).toContain(`<b>${ref}</b>`);
  expect(html).toContain('3 × Chanel Coco Noir &#60;Eau&#62; &#38; &#34;de Parfum&#34; — $23.97');
  expect(html).toContain('Total: <b>$1,258.53</b>');
  if (kind === 'ORDER_FAILED') expect(text).toContain('an item in your order is out of stock. You have not been charged.');
  if (kind === 'ORDER_CANCELLED') expect(text).toContain('$1,258.53 is being refunded');
});

test('a notification job that runs twice sends one email', async () => {
  const job = jobFor('ORDER_SHIPPED');
  expect((await run(job)).emailed).toBe(true);
  // The same event again under another job id, as after a redelivery from a flushed Redis: nothing is sent.
  expect((await run(job, `${notificationJobId(job.orderId, job.status)}-again`)).emailed).toBe(false);
  expect(mailsFor(job.orderId)).toHaveLength(1);
  expect(await stack.db.user.notification.count({ where: { key: `order:${job.orderId}:SHIPPED` } })).toBe(1);
});

test('two runs of the same notification at the same moment send one email', async () => {
  const job = jobFor('ORDER_DELIVERED');
  const results = await Promise.all([1, 2, 3].map(() => notifications.sendOrderNotification(job)));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(mailsFor(job.orderId)).toHaveLength(1);
});

test('an event for a user who no longer exists sends nothing and does not fail', async () => {
  const job = { ...jobFor('ORDER_CONFIRMED'), userId: 999_999 };
  expect(await run(job)).toEqual({ emailed: false, webhooks: 0 });
  expect(mailsFor(job.orderId)).toHaveLength(0);
});

test('an SMTP server that refuses for a moment gets the email on the retry, once', async () => {
  const job = jobFor('ORDER_CANCELLED');
  refuseOnce.add(job.orderId);
  const added = await queue.add(job.kind, job, { jobId: notificationJobId(job.orderId, job.status) });
  expect(await added.waitUntilFinished(queueEvents, 30_000)).toEqual({ emailed: true, webhooks: 0 });
  expect(refuseOnce.has(job.orderId)).toBe(false);
  expect((await queue.getJob(added.id!))?.attemptsMade).toBe(2);
  expect(mailsFor(job.orderId)).toHaveLength(1);
});
