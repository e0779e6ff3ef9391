import type { Worker } from 'bullmq';
import type { ParsedMail } from 'mailparser';
import { createLogger, createRedis, type Redis } from '@commerce/common';
import * as order from '@commerce/order';
import * as user from '@commerce/user';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { orderProbes, type OrderProbes } from '../support/orders';
import { customerTokens, fillCart } from '../support/shoppers';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';
import { startMailbox, type Mailbox } from '../support/mailbox';
import { startNotificationWorkers } from '../support/notifications';

// Issue 11 item 5 through the gateway on real subgraphs, PostgreSQL, Redis, the checkout worker
// (refund and restock jobs) and the notification worker mailing a real SMTP server: returns of
// delivered orders, refunds of exactly the returned share, a ledger that never refunds past the capture.

let stack: Stack;
let probe: OrderProbes;
let catalog: Catalog;
let adminToken: string;
let shoppers: { userId: number; token: string }[];
let mailbox: Mailbox | undefined;
let redis: Redis;
let notificationRedis: Redis;
let checkoutWorker: Worker;
let notifications: user.NotificationWorkers;
/** Products with a return policy of 30 days or more, and one with "No return policy". */
let returnable: number[];
let noPolicy: number;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack({ paymentTimeoutMs: 500 }), loadCatalog()]);
  await stack.db.product.product.updateMany({ data: { stock: 10_000 } });
  mailbox = await startMailbox();
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  checkoutWorker = order.createCheckoutWorker({
    processor: stack.orderServices.checkout,
    refunds: stack.orderServices.refunds,
    connection: redis,
    prefix: stack.redisPrefix,
    concurrency: 4,
    logger,
  });
  [notifications] = await Promise.all([
    startNotificationWorkers(stack, mailbox.url, (notificationRedis = redis.duplicate())),
    checkoutWorker.waitUntilReady(),
  ]);
  const admin = catalog.users.find((u) => u.role === 'admin')!;
  adminToken = await mintAccessToken({ userId: admin.id, role: 'ADMIN' });
  shoppers = await customerTokens(catalog, 70, 8);
  probe = orderProbes(stack);
  const sellable = catalog.products.filter((p) => p.category !== 'groceries' && p.price >= 10);
  returnable = sellable.filter((p) => /^([3-9]\d|\d{3}) days return policy$/.test(p.returnPolicy ?? '')).map((p) => p.id);
  noPolicy = sellable.find((p) => p.returnPolicy === 'No return policy')!.id;
  expect(returnable.length).toBeGreaterThanOrEqual(4);
}, 120_000);

afterAll(async () => {
  await checkoutWorker?.close();
  await notifications?.close();
  await redis?.quit();
  await notificationRedis?.quit();
  await mailbox?.close();
  await stack?.close();
});

type Res<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[] };
async function ok<T>(p: Promise<Res<T>>): Promise<T> {
  const res = await p;
  if (!res.data || res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data;
}
const codeOf = async (p: Promise<Res<unknown>>) => (await p).errors?.[0]?.extensions?.code;

const CA = {
  fullName: 'Ada Lovelace',
  line1: '1 Main Street',
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
  countryCode: 'US',
};
// EXPRESS: STANDARD ships free in the US from $100, and the full return must refund shipping.
const CHECKOUT = `mutation Checkout($key: String!, $address: AddressInput) {
  checkout(input: { idempotencyKey: $key, shippingAddress: $address, shippingMethod: EXPRESS }) { order { id } }
}`;
const REQUEST = `mutation RequestReturn($input: ReturnRequestInput!) {
  requestReturn(input: $input) { id status lines { product { id } quantity amount { amount } } }
}`;
const APPROVE = `mutation ApproveReturn($id: ID!, $restock: Boolean!) {
  approveReturn(id: $id, restock: $restock) { id status restock refundTotal { amount } lines { product { id } amount { amount } tax { amount } } }
}`;
const REJECT = 'mutation RejectReturn($id: ID!, $note: String) { rejectReturn(id: $id, note: $note) { id status decisionNote } }';
const REFUND = `mutation RefundOrder($input: RefundOrderInput!) {
  refundOrder(input: $input) { id status amount { amount } reason }
}`;
const ORDER = `query OrderRefunds($id: ID!) {
  order(id: $id) {
    total { amount }
    payment { status amount { amount } refunded { amount } }
    returns { id status refundTotal { amount } refund { status amount { amount } } }
    refunds { status amount { amount } reason returnRequest { id } }
  }
}`;
type ReturnResult = { id: string; status: string; refundTotal: { amount: number } | null };

let keys = 0;
/** A DELIVERED order of `shopper` for `lines`, shipped to California (taxed), with `coupon` applied. */
async function deliveredOrder(shopper: { token: string }, lines: { productId: number; quantity: number }[], coupon?: string) {
  await fillCart(stack, shopper.token, lines);
  if (coupon) await ok(stack.gql(`mutation { applyCoupon(code: "${coupon}") { id } }`, {}, shopper.token));
  const { checkout } = await ok(
    stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: `returns-${keys++}`, address: CA }, shopper.token),
  );
  const id = checkout.order.id;
  expect((await probe.settled(id)).status).toBe('CONFIRMED');
  await ok(stack.gql('mutation($id: ID!) { shipOrder(id: $id, carrier: UPS, trackingNumber: "1Z999AA10123456784") { id } }', { id }, adminToken));
  await ok(stack.gql('mutation($id: ID!) { deliverOrder(id: $id) { id } }', { id }, adminToken));
  return id;
}

const requestReturn = (token: string, orderId: string, lines: { productId: number; quantity: number }[], reason?: string) =>
  stack.gql<{ requestReturn: ReturnResult }>(
    REQUEST,
    { input: { orderId, reason: reason ?? null, lines: lines.map((l) => ({ productId: String(l.productId), quantity: l.quantity })) } },
    token,
  );

const refundsOf = (orderId: string) => stack.db.order.refund.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
/** The simulated provider's REFUND operations of an order (key and cents). */
const ledgerRefunds = async (orderId: string) =>
  (
    await stack.db.order.simulatedPaymentOperation.findMany({
      where: { kind: 'REFUND', intent: { idempotencyKey: `authorize-${orderId}` } },
      orderBy: { createdAt: 'asc' },
    })
  ).map((op) => ({ key: op.idempotencyKey, amountCents: op.amountCents }));
/** Waits until every refund of the order has the provider's answer. */
const refundsSettled = (orderId: string, count: number) =>
  eventually(async () => {
    const rows = await refundsOf(orderId);
    return rows.length === count && rows.every((r) => r.status !== 'PENDING') ? rows : undefined;
  }, `${count} refunds of ${orderId} settled`);
const mailsAbout = (orderId: string, subject: RegExp) => mailbox!.received.filter((m) => m.text?.includes(orderId) && subject.test(m.subject ?? ''));
const mailTo = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.value.map((a) => a.address) : []);

test('1 of 3 units returned with a coupon and tax: the refund is the units’ share of line and tax; then a full return refunds the rest, shipping included', async () => {
  const shopper = shoppers[0]!;
  const [a, b] = returnable as [number, number];
  const orderId = await deliveredOrder(
    shopper,
    [
      { productId: a, quantity: 3 },
      { productId: b, quantity: 1 },
    ],
    'WELCOME10',
  );
  const stored = await stack.db.order.order.findUniqueOrThrow({ where: { id: orderId }, include: { items: true, payment: true } });
  const lineA = stored.items.find((i) => i.productId === a)!;
  const lineB = stored.items.find((i) => i.productId === b)!;
  // The order really has a coupon share and tax on the returned line, and shipping with tax.
  expect(lineA.discountCents).toBeGreaterThan(0);
  expect(lineA.taxCents).toBeGreaterThan(0);
  expect(stored.shippingTotalCents).toBeGreaterThan(0);
  const stockBefore = await probe.stockOf(a);

  const requested = (await ok(requestReturn(shopper.token, orderId, [{ productId: a, quantity: 1 }], 'Too big'))).requestReturn;
  expect(requested.status).toBe('REQUESTED');
  const approved = (await ok(stack.gql<{ approveReturn: ReturnResult }>(APPROVE, { id: requested.id, restock: true }, adminToken)))
    .approveReturn;

  // Independently: one third of (line total − coupon share) and one third of the line's tax, each to the cent.
  const expected = Math.round((lineA.lineTotalCents - lineA.discountCents) / 3) + Math.round(lineA.taxCents / 3);
  expect(approved).toMatchObject({ status: 'APPROVED', refundTotal: { amount: expected } });
  const [refund] = await refundsSettled(orderId, 1);
  expect(refund).toMatchObject({ status: 'SUCCEEDED', amountCents: expected, returnId: requested.id });
  expect(await ledgerRefunds(orderId)).toEqual([{ key: `return-${requested.id}`, amountCents: expected }]);
  const after = await ok(
    stack.gql<{ order: { payment: { status: string; refunded: { amount: number } }; returns: ReturnResult[] } }>(
      ORDER,
      { id: orderId },
      shopper.token,
    ),
  );
  expect(after.order.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refunded: { amount: expected } });
  expect(after.order.returns.map((r) => r.status)).toEqual(['REFUNDED']);

  // Restocked: one unit back, with a RETURN stock movement naming the return.
  await eventually(async () => ((await probe.stockOf(a)) === stockBefore + 1 ? true : undefined), 'restock');
  const movements = await stack.db.product.stockMovement.findMany({ where: { returnId: requested.id } });
  expect(movements.map((m) => ({ productId: m.productId, delta: m.delta, reason: m.reason, orderId: m.orderId }))).toEqual([
    { productId: a, delta: 1, reason: 'RETURN', orderId },
  ]);

  // The rest: the order is then wholly returned, so shipping and its tax come back too, and the
  // refunds add up to exactly what was charged.
  const rest = (
    await ok(
      requestReturn(shopper.token, orderId, [
        { productId: a, quantity: 2 },
        { productId: b, quantity: 1 },
      ]),
    )
  ).requestReturn;
  const restApproved = (await ok(stack.gql<{ approveReturn: ReturnResult }>(APPROVE, { id: rest.id, restock: false }, adminToken)))
    .approveReturn;
  const shippingTax = (stored.taxLines as { kind: string; taxCents: number }[])
    .filter((t) => t.kind === 'SHIPPING')
    .reduce((s, t) => s + t.taxCents, 0);
  const expectedRest =
    lineA.lineTotalCents -
    lineA.discountCents +
    lineA.taxCents -
    expected +
    (lineB.lineTotalCents - lineB.discountCents + lineB.taxCents) +
    stored.shippingTotalCents +
    shippingTax;
  expect(restApproved.refundTotal?.amount).toBe(expectedRest);
  expect(expected + expectedRest).toBe(stored.totalCents);
  await refundsSettled(orderId, 2);
  const final = await ok(
    stack.gql<{ order: { payment: { status: string; refunded: { amount: number } } } }>(ORDER, { id: orderId }, shopper.token),
  );
  expect(final.order.payment).toEqual({
    status: 'REFUNDED',
    amount: { amount: stored.totalCents },
    refunded: { amount: stored.totalCents },
  });
  // Nothing left to return.
  expect(await codeOf(requestReturn(shopper.token, orderId, [{ productId: b, quantity: 1 }]))).toBe('BAD_USER_INPUT');
  // Not restocked: the second return asked for no restock.
  expect(await stack.db.product.stockMovement.count({ where: { returnId: rest.id } })).toBe(0);

  // Emails at each step, to the customer, on the SMTP server.
  const email = (await stack.db.user.user.findUniqueOrThrow({ where: { id: shopper.userId } })).email;
  await eventually(() => (mailsAbout(orderId, /^Refund issued/).length === 2 ? true : undefined), 'refund emails');
  const requestedMail = mailsAbout(orderId, /^Return requested/);
  const approvedMail = mailsAbout(orderId, /^Return approved/);
  expect([requestedMail.length, approvedMail.length]).toEqual([2, 2]);
  for (const m of [...requestedMail, ...approvedMail, ...mailsAbout(orderId, /^Refund issued/)]) expect(mailTo(m)).toEqual([email]);
  const money = (cents: number) => `$${(cents / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
  expect(approvedMail.some((m) => m.text?.includes(`${money(expected)} is being refunded`))).toBe(true);
  expect(
    mailsAbout(orderId, /^Refund issued/).map((m) => m.text?.includes(money(expected)) || m.text?.includes(money(expectedRest))),
  ).toEqual([true, true]);
}, 120_000);

test('two concurrent approvals of one return: one approves, the other is refused, one refund', async () => {
  const shopper = shoppers[1]!;
  const orderId = await deliveredOrder(shopper, [{ productId: returnable[2]!, quantity: 2 }]);
  const { id } = (await ok(requestReturn(shopper.token, orderId, [{ productId: returnable[2]!, quantity: 1 }]))).requestReturn;
  const results = await Promise.all([
    stack.gql(APPROVE, { id, restock: false }, adminToken),
    stack.gql(APPROVE, { id, restock: true }, adminToken),
  ]);
  const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK').sort();
  expect(codes).toEqual(['INVALID_RETURN_STATE', 'OK']);
  const [refund] = await refundsSettled(orderId, 1);
  expect(refund!.status).toBe('SUCCEEDED');
  expect(await ledgerRefunds(orderId)).toEqual([{ key: `return-${id}`, amountCents: refund!.amountCents }]);
  // A job run again (a retried or duplicated refund job) refunds nothing more.
  await stack.orderServices.refunds.refund(refund!.id);
  expect(await ledgerRefunds(orderId)).toHaveLength(1);
}, 120_000);

test('refunds never pass the capture: too large refused, two concurrent refunds over the capture → one refused, also at the provider', async () => {
  const shopper = shoppers[2]!;
  const orderId = await deliveredOrder(shopper, [{ productId: returnable[3]!, quantity: 1 }]);
  const captured = (await stack.db.order.payment.findUniqueOrThrow({ where: { orderId } })).amountCents;
  const refund = (amountCents: number, reason = 'Goodwill') =>
    stack.gql<{ refundOrder: { status: string } }>(REFUND, { input: { orderId, amountCents, reason } }, adminToken);

  const tooMuch = await refund(captured + 1);
  expect(tooMuch.errors?.[0]?.extensions).toMatchObject({ code: 'REFUND_EXCEEDS_CAPTURE', refundableCents: captured });
  expect(await codeOf(refund(0))).toBe('BAD_USER_INPUT');
  expect(await codeOf(stack.gql(REFUND, { input: { orderId, amountCents: 1, reason: 'x' } }, shopper.token))).toBe('FORBIDDEN');

  const sixty = Math.ceil(captured * 0.6);
  const both = await Promise.all([refund(sixty, 'Late delivery'), refund(sixty, 'Late delivery')]);
  expect(both.map((r) => r.errors?.[0]?.extensions?.code ?? r.data?.refundOrder.status).sort()).toEqual([
    'PENDING',
    'REFUND_EXCEEDS_CAPTURE',
  ]);
  const [settled] = await refundsSettled(orderId, 1);
  expect(settled).toMatchObject({ status: 'SUCCEEDED', amountCents: sixty, reason: 'Late delivery' });
  expect((await stack.db.order.payment.findUniqueOrThrow({ where: { orderId } })).refundedCents).toBe(sixty);
  await eventually(() => (mailsAbout(orderId, /^Refund issued/).length === 1 ? true : undefined), 'refund email');
  expect(mailsAbout(orderId, /^Refund issued/)[0]!.text).toContain('Late delivery');

  // The provider's ledger on its own, without the API's order lock: two refunds at once that
  // together pass what is left → exactly one is refused, and nothing is over-refunded.
  const { reference } = await stack.db.order.payment.findUniqueOrThrow({ where: { orderId } });
  const left = captured - sixty;
  const outcomes = await Promise.allSettled([
    stack.orderServices.payments.refund({ idempotencyKey: `ledger-a-${orderId}`, reference, amountCents: left }),
    stack.orderServices.payments.refund({ idempotencyKey: `ledger-b-${orderId}`, reference, amountCents: left }),
  ]);
  expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
  const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!;
  expect((refused.reason as Error).name).toBe('RefundExceedsCaptureError');
  const intent = await stack.db.order.simulatedPaymentIntent.findUniqueOrThrow({ where: { id: reference } });
  expect(intent).toMatchObject({ status: 'REFUNDED', refundedCents: captured, capturedCents: captured });
  // And after that, the API refuses any refund of this order.
  const refundsSoFar = (await refundsOf(orderId)).filter((r) => r.status !== 'FAILED').reduce((s, r) => s + r.amountCents, 0);
  expect(refundsSoFar).toBe(sixty);
}, 120_000);

test('rejection: REJECTED, no refund, the customer is emailed the note', async () => {
  const shopper = shoppers[3]!;
  const orderId = await deliveredOrder(shopper, [{ productId: returnable[0]!, quantity: 1 }]);
  const { id } = (await ok(requestReturn(shopper.token, orderId, [{ productId: returnable[0]!, quantity: 1 }], 'Changed my mind')))
    .requestReturn;
  expect(await codeOf(stack.gql(REJECT, { id, note: 'x' }, shopper.token))).toBe('FORBIDDEN');
  const { rejectReturn } = await ok(stack.gql<{ rejectReturn: { status: string } }>(REJECT, { id, note: 'Item shows wear' }, adminToken));
  expect(rejectReturn).toMatchObject({ status: 'REJECTED', decisionNote: 'Item shows wear' });
  expect(await codeOf(stack.gql(APPROVE, { id, restock: false }, adminToken))).toBe('INVALID_RETURN_STATE');
  await eventually(() => (mailsAbout(orderId, /^Return declined/).length === 1 ? true : undefined), 'rejection email');
  expect(mailsAbout(orderId, /^Return declined/)[0]!.text).toContain('Item shows wear');
  expect(await refundsOf(orderId)).toEqual([]);
  // A rejected return's units may be asked for again.
  expect((await ok(requestReturn(shopper.token, orderId, [{ productId: returnable[0]!, quantity: 1 }]))).requestReturn.status).toBe(
    'REQUESTED',
  );
}, 120_000);

test('refused with a code: no return policy, outside the window, not delivered, not the owner, not an admin', async () => {
  const [owner, other] = [shoppers[4]!, shoppers[5]!];
  const item = returnable[1]!;
  const orderId = await deliveredOrder(owner, [
    { productId: item, quantity: 2 },
    { productId: noPolicy, quantity: 1 },
  ]);
  const noPolicyRes = await requestReturn(owner.token, orderId, [{ productId: noPolicy, quantity: 1 }]);
  expect(noPolicyRes.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_RETURNABLE', productId: String(noPolicy) });
  expect(await codeOf(requestReturn(other.token, orderId, [{ productId: item, quantity: 1 }]))).toBe('NOT_FOUND');
  expect(await codeOf(requestReturn(adminToken, orderId, [{ productId: item, quantity: 1 }]))).toBe('NOT_FOUND');
  expect(await codeOf(requestReturn(owner.token, orderId, [{ productId: item, quantity: 3 }]))).toBe('BAD_USER_INPUT');
  expect(await codeOf(requestReturn(owner.token, orderId, [{ productId: 999_999, quantity: 1 }]))).toBe('BAD_USER_INPUT');

  const { id } = (await ok(requestReturn(owner.token, orderId, [{ productId: item, quantity: 1 }]))).requestReturn;
  expect(await codeOf(stack.gql(APPROVE, { id, restock: true }, owner.token))).toBe('FORBIDDEN');
  expect(
    (await stack.gql<{ returnRequest: unknown }>('query($id: ID!) { returnRequest(id: $id) { id } }', { id }, other.token)).data
      ?.returnRequest,
  ).toBeNull();

  // The window counts from delivery: delivered one day longer ago than the product allows.
  const days = (await stack.db.order.orderItem.findFirstOrThrow({ where: { orderId, productId: item } })).returnWindowDays!;
  await stack.db.order.orderStatusEvent.updateMany({
    where: { orderId, status: 'DELIVERED' },
    data: { createdAt: new Date(Date.now() - (days + 1) * 24 * 3600 * 1000) },
  });
  const late = await requestReturn(owner.token, orderId, [{ productId: item, quantity: 1 }]);
  expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'RETURN_WINDOW_CLOSED', productId: String(item), returnWindowDays: days });

  // Not delivered yet: a CONFIRMED order.
  await fillCart(stack, owner.token, [{ productId: item, quantity: 1 }]);
  const { checkout } = await ok(
    stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: `returns-${keys++}`, address: CA }, owner.token),
  );
  await probe.settled(checkout.order.id);
  expect(await codeOf(requestReturn(owner.token, checkout.order.id, [{ productId: item, quantity: 1 }]))).toBe('INVALID_ORDER_STATE');
}, 120_000);
