import { quote } from '@commerce/common';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import * as order from '@commerce/order';
import { isUniqueViolation } from '@commerce/common';
import { OrderRepository, type NewOrder } from '../../subgraphs/order/src/services/order.repository';
import { CHECKOUT_SAGA } from '../../subgraphs/order/src/services/order-history';
import { templateUrls, urlOf } from '../support/databases';

// The repository writes orders with one statement each and answers with the order as it computed
// it, without reading it back: these tests read it back and compare, so a column added to the
// schema but not to the statements (or a default that differs) fails here.

const name = `test_${process.env.TEST_RUN_ID}_order_rows_${process.pid}`;
let db: order.OrderDb;
let repository: OrderRepository;

beforeAll(async () => {
  await cloneDatabase(templateUrls(process.env.TEST_RUN_ID!).order, urlOf(name));
  db = order.createDb({ connectionString: urlOf(name), maxConnections: 2 });
  repository = new OrderRepository(db);
});
afterAll(async () => {
  await db?.$disconnect();
  await dropDatabase(urlOf(name));
});

const address = {
  fullName: 'Ada Lovelace',
  line1: '1 Main St',
  line2: null,
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
  countryCode: 'US',
  phone: null,
};

let keys = 0;
const newOrder = (overrides: Partial<NewOrder> = {}): NewOrder => ({
  userId: 7,
  idempotencyKey: `key-${++keys}`,
  requestFingerprint: 'f'.repeat(64),
  paymentToken: 'tok_visa',
  cartId: 'cart-1',
  currencyCode: 'USD',
  subtotalCents: 2_500,
  discountTotalCents: 250,
  shippingTotalCents: 599,
  taxTotalCents: 206,
  totalCents: 3_055,
  taxLines: [
    { kind: 'LINE', productId: 2, jurisdiction: 'US-CA', taxCategory: 'STANDARD', rateBasisPoints: 725, taxableCents: 1_000, taxCents: 73 },
  ],
  shippingAddress: address,
  shippingMethod: 'STANDARD',
  shippingRate: { zone: 'DOMESTIC', method: 'STANDARD', baseCents: 499, perKgCents: 100, transitDays: 5 },
  estimate: { minBusinessDays: 3, maxBusinessDays: 6 },
  couponCode: 'SAVE10',
  couponTerms: { code: 'SAVE10', type: 'PERCENTAGE', value: 1_000 },
  items: [
    // Out of product-id order on purpose: the order answers its items by product id, as it reads them.
    {
      productId: 9,
      quantity: 1,
      unitPriceCents: 1_500,
      discountBasisPoints: 0,
      lineTotalCents: 1_500,
      weightKg: 0.25,
      categoryPath: ['home', 'kitchen'],
    },
    {
      productId: 2,
      quantity: 2,
      unitPriceCents: 500,
      discountBasisPoints: 0,
      lineTotalCents: 1_000,
      discountCents: 100,
      taxCents: 73,
      taxCategory: 'REDUCED',
    },
  ],
  ...overrides,
});

test('a created order is exactly what a read of it gives, with its history row and outbox entries', async () => {
  const created = await repository.create(newOrder(), { kind: 'USER', userId: 7, role: 'CUSTOMER' });
  expect(created).toEqual(await repository.find(created.id));
  expect(created.items.map((i) => i.productId)).toEqual([2, 9]);
  const events = await db.orderStatusEvent.findMany({ where: { orderId: created.id } });
  expect(events).toMatchObject([{ status: 'PENDING', actorKind: 'USER', actorUserId: 7, actorRole: 'CUSTOMER' }]);
  const outbox = await db.outboxMessage.findMany({
    where: { payload: { path: ['orderId'], equals: created.id } },
    orderBy: { name: 'asc' },
  });
  expect(outbox.map((m) => [m.queue, m.name])).toEqual([
    ['checkout', 'checkout'],
    ['events', 'order-status'],
  ]);
  expect(outbox.find((m) => m.queue === 'events')?.payload).toMatchObject({ eventId: events[0]!.id, status: 'PENDING', userId: 7 });
});

test('an order without shipping or coupon keeps the schema defaults', async () => {
  const { discountTotalCents: _d, shippingTotalCents: _s, taxTotalCents: _t, taxLines: _l, ...bare } = newOrder();
  const created = await repository.create(
    {
      ...bare,
      shippingAddress: undefined,
      shippingRate: undefined,
      estimate: undefined,
      shippingMethod: null,
      couponCode: null,
      couponTerms: undefined,
    },
    CHECKOUT_SAGA,
  );
  expect(created).toEqual(await repository.find(created.id));
  expect(created).toMatchObject({ discountTotalCents: 0, taxLines: [], shippingAddress: null, couponTerms: null });
});

test('the same idempotency key again is a unique violation and writes nothing', async () => {
  const first = newOrder();
  await repository.create(first, CHECKOUT_SAGA);
  const again = await repository.create({ ...first, totalCents: 1 }, CHECKOUT_SAGA).catch((err: unknown) => err);
  expect(isUniqueViolation(again)).toBe(true);
  expect(await db.order.count({ where: { idempotencyKey: first.idempotencyKey } })).toBe(1);
});

test('a confirmation writes the final prices, the payment and the email, and answers the order as read', async () => {
  const pending = await repository.create(newOrder(), CHECKOUT_SAGA);
  const q = quote({
    lines: pending.items.map((i) => ({
      productId: i.productId,
      quantity: i.quantity,
      unitPriceCents: i.unitPriceCents - 10,
      discountBasisPoints: 500,
      weightKg: i.weightKg,
      dimensions: { width: 0, height: 0, depth: 0 },
      handlingDays: 0,
      taxCategory: i.taxCategory,
      categoryPath: i.categoryPath,
    })),
    destination: null,
    method: 'STANDARD',
    rates: [],
    coupon: null,
    now: pending.createdAt,
  });
  const payment = {
    provider: 'simulated',
    reference: 'pi_1',
    status: 'CAPTURED' as const,
    amountCents: q.total,
    currencyCode: 'USD',
    refundedCents: 0,
  };
  const confirmed = await repository.transition(pending, 'CONFIRMED', {
    priced: { quote: q, titles: new Map([[2, 'Shirt']]), returnWindowDays: new Map([[9, 30]]) },
    payment,
    customerEmail: 'ada@example.com',
  });
  expect(confirmed).not.toBeNull();
  expect(confirmed).toEqual(await repository.find(pending.id));
  expect(confirmed).toMatchObject({ status: 'CONFIRMED', totalCents: q.total, customerEmail: 'ada@example.com', payment });
  expect(confirmed!.items.map((i) => [i.title, i.returnWindowDays, i.unitPriceCents])).toEqual([
    ['Shirt', null, 490],
    ['', 30, 1_490],
  ]);

  // A stale copy (still PENDING) moves nothing and writes no history row or outbox entry.
  const before = await db.outboxMessage.count();
  expect(await repository.transition(pending, 'FAILED', { failureReason: 'CHECKOUT_TIMEOUT' })).toBeNull();
  expect(await db.outboxMessage.count()).toBe(before);
  expect(await db.orderStatusEvent.count({ where: { orderId: pending.id } })).toBe(2);

  const shipped = await repository.transition(confirmed!, 'SHIPPED', {
    tracking: {
      carrier: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      trackingUrl: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
    },
    actor: { kind: 'USER', userId: 1, role: 'ADMIN' },
  });
  expect(shipped).toEqual(await repository.find(pending.id));
  expect(shipped?.shippedAt).toBeInstanceOf(Date);
});

test('a failure keeps an email already stored and a declined payment', async () => {
  const pending = await repository.create(newOrder({ customerEmail: 'first@example.com' }), CHECKOUT_SAGA);
  const payment = {
    provider: 'simulated',
    reference: 'pi_2',
    status: 'DECLINED' as const,
    amountCents: 3_055,
    currencyCode: 'USD',
    refundedCents: 0,
  };
  const failed = await repository.transition(pending, 'FAILED', {
    failureReason: 'PAYMENT_DECLINED',
    payment,
    customerEmail: 'second@example.com',
  });
  expect(failed).toEqual(await repository.find(pending.id));
  expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED', customerEmail: 'first@example.com', payment });
});
