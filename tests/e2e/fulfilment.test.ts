import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { eventually } from '../support/eventually';
import { orderProbes, type OrderProbes } from '../support/orders';
import { checkout, fillCart } from '../support/shoppers';
import { startStack, type GraphQLResponse, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';
import { startMailbox, type Mailbox } from '../support/mailbox';

/**
 * Fulfilment with tracking (issue 11, item 4) through the gateway, with the real checkout and
 * notification workers and an SMTP server started here: an admin ships with a carrier and a
 * tracking number, the order keeps them with the carrier's tracking page, the customer's
 * subscription sees SHIPPED with those fields, the email carries the link; the timeline says who did what.
 */

let stack: Stack;
let mailbox: Mailbox | undefined;
let probe: OrderProbes;
let ws: Client;
let customer: { id: number; email: string; token: string };
let admin: { id: number; token: string };

const TRACKING_FIELDS = 'status carrier trackingNumber trackingUrl shippedAt deliveredAt';
const SHIP = `mutation Ship($id: ID!, $carrier: Carrier!, $number: String!) {
  shipOrder(id: $id, carrier: $carrier, trackingNumber: $number) { ${TRACKING_FIELDS} }
}`;
const DELIVER = `mutation Deliver($id: ID!) { deliverOrder(id: $id) { ${TRACKING_FIELDS} } }`;
const TIMELINE = `query Timeline($id: ID!) {
  order(id: $id) { timeline { status reason occurredAt actor { kind role name user { id } } } }
}`;
// UPS's published sample number, typed as a clerk might: lower case, in groups.
const TYPED = '1z 999 aa1 0123456784';
const NUMBER = '1Z999AA10123456784';
const UPS_URL = `https://www.ups.com/track?loc=en_US&tracknum=${NUMBER}`;

interface Tracked {
  status: string;
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  shippedAt: string | null;
  deliveredAt: string | null;
}

beforeAll(async () => {
  stack = await startStack();
  mailbox = await startMailbox();
  await stack.startWorkers({ smtpUrl: mailbox.url });
  probe = orderProbes(stack);
  const [shopper, boss] = await Promise.all([
    stack.db.user.user.findFirstOrThrow({ where: { role: 'CUSTOMER' }, orderBy: { id: 'asc' }, skip: 40 }),
    stack.db.user.user.findFirstOrThrow({ where: { role: 'ADMIN' }, orderBy: { id: 'asc' } }),
  ]);
  customer = { id: shopper.id, email: shopper.email, token: await mintAccessToken({ userId: shopper.id, role: 'CUSTOMER' }) };
  admin = { id: boss.id, token: await mintAccessToken({ userId: boss.id, role: 'ADMIN' }) };
  await stack.db.product.product.updateMany({ where: { id: { in: [3, 4] } }, data: { stock: 1000 } });
  ws = createClient({
    url: stack.gateway.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${customer.token}` },
    retryAttempts: 0,
  });
});

afterAll(async () => {
  await ws?.dispose();
  await mailbox?.close();
  await stack?.close();
});

/** The first error's code and field (its requestId aside). */
const codeOf = (res: GraphQLResponse) => {
  const { code, field } = res.errors?.[0]?.extensions ?? {};
  return field === undefined ? { code } : { code, field };
};

/** A CONFIRMED order of the customer (one unit of `productId`). */
async function confirmedOrder(key: string, productId: number): Promise<string> {
  await fillCart(stack, customer.token, [{ productId, quantity: 1 }]);
  const id = await checkout(stack, customer.token, key);
  expect((await probe.settled(id)).status).toBe('CONFIRMED');
  return id;
}

/** The emails to `to` about order `orderId` (the body names the order id). */
const mailsAbout = (orderId: string) =>
  mailbox!.received.filter((m) => m.text?.includes(orderId) && m.to && JSON.stringify(m.to).includes(customer.email));

test('ship with tracking: fields stored, the subscriber sees SHIPPED with them, the email links the tracking page; then delivered', async () => {
  const id = await confirmedOrder('fulfil-ship', 3);
  const seen: Tracked[] = [];
  const stop = ws.subscribe<{ orderStatusChanged: Tracked }>(
    { query: `subscription Follow($id: ID) { orderStatusChanged(orderId: $id) { ${TRACKING_FIELDS} } }`, variables: { id } },
    { next: (r) => r.data && seen.push(r.data.orderStatusChanged), error: () => undefined, complete: () => undefined },
  );
  // With an orderId the current state comes first: from then on the subscription is listening.
  await eventually(() => (seen.some((e) => e.status === 'CONFIRMED') ? true : undefined), 'the current state');
  expect(seen[0]).toMatchObject({ carrier: null, trackingNumber: null, trackingUrl: null, shippedAt: null });

  // Refused: a FedEx number for UPS, a customer shipping; nothing changes.
  expect(codeOf(await stack.gql(SHIP, { id, carrier: 'UPS', number: '1234 5678 9012' }, admin.token))).toEqual({
    code: 'BAD_USER_INPUT',
    field: 'trackingNumber',
  });
  expect(codeOf(await stack.gql(SHIP, { id, carrier: 'UPS', number: TYPED }, customer.token))).toEqual({ code: 'FORBIDDEN' });
  expect(await stack.db.order.order.findUniqueOrThrow({ where: { id } })).toMatchObject({
    status: 'CONFIRMED',
    carrier: null,
    trackingNumber: null,
    trackingUrl: null,
  });

  const shipped = await stack.gql<{ shipOrder: Tracked }>(SHIP, { id, carrier: 'UPS', number: TYPED }, admin.token);
  expect(shipped.errors).toBeUndefined();
  expect(shipped.data!.shipOrder).toEqual({
    status: 'SHIPPED',
    carrier: 'UPS',
    trackingNumber: NUMBER,
    trackingUrl: UPS_URL,
    shippedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    deliveredAt: null,
  });
  await eventually(() => seen.find((e) => e.status === 'SHIPPED'), 'SHIPPED on the subscription');
  expect(seen.find((e) => e.status === 'SHIPPED')).toEqual(shipped.data!.shipOrder);

  const shippedMail = await eventually(() => mailsAbout(id).find((m) => m.subject?.endsWith('shipped')), 'the shipping email');
  expect(shippedMail.subject).toBe(`Order ${id.slice(0, 8).toUpperCase()} shipped`);
  expect(shippedMail.text).toContain(`on its way with UPS, tracking number ${NUMBER}`);
  expect(shippedMail.text).toContain(`Track your package: ${UPS_URL}`);
  // The HTML part links the same page (the & of the query string escaped as HTML wants it).
  const href = /<a href="([^"]+)">Track your package<\/a>/.exec(String(shippedMail.html))?.[1];
  expect(href?.replace(/&#38;/g, '&')).toBe(UPS_URL);

  expect(codeOf(await stack.gql(SHIP, { id, carrier: 'DHL', number: '1234567890' }, admin.token))?.code).toBe('INVALID_ORDER_STATE');
  const delivered = await stack.gql<{ deliverOrder: Tracked }>(DELIVER, { id }, admin.token);
  expect(delivered.data!.deliverOrder).toMatchObject({
    status: 'DELIVERED',
    trackingNumber: NUMBER,
    deliveredAt: expect.stringMatching(/^\d{4}-/),
  });
  await eventually(() => seen.find((e) => e.status === 'DELIVERED'), 'DELIVERED on the subscription');
  const deliveredMail = await eventually(() => mailsAbout(id).find((m) => m.subject?.endsWith('delivered')), 'the delivery email');
  expect(deliveredMail.text).toContain(`Track your package: ${UPS_URL}`);
  stop();

  // The timeline: who did what, oldest first. The customer sees that an admin acted, not which one.
  type Timeline = {
    order: {
      timeline: { status: string; actor: { kind: string; role: string | null; name: string | null; user: { id: string } | null } }[];
    };
  };
  const mine = await stack.gql<Timeline>(TIMELINE, { id }, customer.token);
  const theirs = await stack.gql<Timeline>(TIMELINE, { id }, admin.token);
  const actors = (res: GraphQLResponse<Timeline>) => res.data!.order.timeline.map((e) => [e.status, e.actor]);
  expect(actors(mine)).toEqual([
    ['PENDING', { kind: 'USER', role: 'CUSTOMER', name: null, user: { id: String(customer.id) } }],
    ['CONFIRMED', { kind: 'SYSTEM', role: null, name: 'checkout-saga', user: null }],
    ['SHIPPED', { kind: 'USER', role: 'ADMIN', name: null, user: null }],
    ['DELIVERED', { kind: 'USER', role: 'ADMIN', name: null, user: null }],
  ]);
  expect(actors(theirs).slice(2)).toEqual([
    ['SHIPPED', { kind: 'USER', role: 'ADMIN', name: null, user: { id: String(admin.id) } }],
    ['DELIVERED', { kind: 'USER', role: 'ADMIN', name: null, user: { id: String(admin.id) } }],
  ]);
  const times = mine.data!.order.timeline.map((e) => Date.parse((e as unknown as { occurredAt: string }).occurredAt));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
});

test("a cancellation's reason is in the timeline; the order never shows tracking", async () => {
  const id = await confirmedOrder('fulfil-cancel', 4);
  const cancelled = await stack.gql<{ cancelOrder: Tracked }>(
    `mutation Cancel($id: ID!) { cancelOrder(id: $id, reason: "Ordered the wrong size") { ${TRACKING_FIELDS} } }`,
    { id },
    customer.token,
  );
  expect(cancelled.data!.cancelOrder).toEqual({
    status: 'CANCELLED',
    carrier: null,
    trackingNumber: null,
    trackingUrl: null,
    shippedAt: null,
    deliveredAt: null,
  });
  const timeline = await stack.gql<{ order: { timeline: { status: string; reason: string | null; actor: { role: string | null } }[] } }>(
    TIMELINE,
    { id },
    customer.token,
  );
  expect(timeline.data!.order.timeline.at(-1)).toMatchObject({
    status: 'CANCELLED',
    reason: 'Ordered the wrong size',
    actor: { role: 'CUSTOMER' },
  });
  expect(codeOf(await stack.gql(SHIP, { id, carrier: 'FEDEX', number: '123456789012' }, admin.token))?.code).toBe('INVALID_ORDER_STATE');
});
