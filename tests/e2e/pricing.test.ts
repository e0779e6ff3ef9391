import type { CouponTerms } from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { reference, type GenLine } from '../../packages/common/test/pricing-reference';
import { eventually } from '../support/eventually';
import { orderProbes, type OrderProbes } from '../support/orders';
import { customerTokens, fillCart, forEachLimited } from '../support/shoppers';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';
import { seededRandom } from '../../scripts/lib/random';

// Issue 10 through the gateway, on real subgraphs, PostgreSQL, Redis and workers: the cart's quote,
// the order's charge and an independent computation of the rules agree; coupon limits hold under
// concurrency and come back on failure and cancellation; a quote costs a constant number of statements.

let stack: Stack;
let probe: OrderProbes;
let catalog: Catalog;
let adminToken: string;
const statements: Record<string, number> = {};
const RELAY_SQL = /"OutboxMessage"|pg_try_advisory_xact_lock|^(BEGIN|COMMIT|ROLLBACK)/;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([
    startStack({
      paymentTimeoutMs: 500,
      onQuery: (subgraph, sql) => {
        // The outbox relay polls the order database on its own every 100 ms (a transaction taking an
        // advisory lock, reading the outbox): not part of a request, so not counted.
        if (!RELAY_SQL.test(sql)) statements[subgraph] = (statements[subgraph] ?? 0) + 1;
      },
    }),
    loadCatalog(),
  ]);
  await stack.db.product.product.updateMany({ data: { stock: 100_000 } });
  await stack.startWorkers({ checkoutConcurrency: 20 });
  const admin = catalog.users.find((u) => u.role === 'admin')!;
  adminToken = await mintAccessToken({ userId: admin.id, role: 'ADMIN' });
  probe = orderProbes(stack);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

type Money = { amount: number };
interface QuoteResult {
  cart: {
    couponCode: string | null;
    items: {
      quantity: number;
      unitPrice: Money;
      discountPercentage: number;
      product: {
        id: string;
        weight: number;
        dimensions: { width: number; height: number; depth: number };
        handlingDays: number;
        taxCategory: 'STANDARD' | 'REDUCED';
        categoryPath: string[];
      };
    }[];
    quote: Totals & {
      couponCode: string | null;
      couponProblem: string | null;
      shipping: {
        method: string;
        zone: string;
        chargeableKg: number;
        price: Money;
        estimatedDelivery: { minBusinessDays: number; maxBusinessDays: number };
      } | null;
      lines: { product: { id: string }; discount: Money; tax: Money }[];
    };
  };
}
interface Totals {
  subtotal: Money;
  discountTotal: Money;
  shippingTotal: Money;
  taxTotal: Money;
  total: Money;
}
const TOTALS = 'subtotal { amount } discountTotal { amount } shippingTotal { amount } taxTotal { amount } total { amount }';
const QUOTE = `query Quote($addressId: ID, $address: AddressInput, $method: ShippingMethod) {
  cart {
    couponCode
    items {
      quantity unitPrice { amount } discountPercentage
      product { id weight dimensions { width height depth } handlingDays taxCategory categoryPath }
    }
    quote(shippingAddressId: $addressId, address: $address, method: $method) {
      ${TOTALS} couponCode couponProblem
      shipping { method zone chargeableKg price { amount } estimatedDelivery { minBusinessDays maxBusinessDays } }
      lines { product { id } discount { amount } tax { amount } }
    }
  }
}`;
const CHECKOUT = `mutation Checkout($key: String!, $token: String, $addressId: ID, $address: AddressInput, $method: ShippingMethod) {
  checkout(input: { idempotencyKey: $key, paymentToken: $token, shippingAddressId: $addressId, shippingAddress: $address, shippingMethod: $method }) {
    order { id status }
  }
}`;
const ORDER = `query Order($id: ID!) {
  order(id: $id) {
    status failureReason ${TOTALS} couponCode shippingMethod
    shippingAddress { countryCode region postalCode }
    estimatedDelivery { minBusinessDays maxBusinessDays }
    taxLines { kind rateBasisPoints tax { amount } }
    payment { status amount { amount } }
    items { product { id } discount { amount } tax { amount } }
  }
}`;
const APPLY = 'mutation Apply($code: String!) { applyCoupon(code: $code) { id couponCode subtotal { amount } } }';
const ADD_ADDRESS = 'mutation Add($input: AddressInput!) { addAddress(input: $input) { id } }';

/** An address in each kind of place: US states with and without tax, EU countries with own and default rates, beyond. */
const PLACES = [
  { countryCode: 'US', region: 'CA', postalCode: '94105', city: 'San Francisco' },
  { countryCode: 'US', region: 'NY', postalCode: '10001', city: 'New York' },
  { countryCode: 'US', region: 'TX', postalCode: '73301', city: 'Austin' },
  { countryCode: 'US', region: 'WA', postalCode: '98101', city: 'Seattle' },
  { countryCode: 'US', region: 'OR', postalCode: '97201', city: 'Portland' },
  { countryCode: 'DE', region: null, postalCode: '10115', city: 'Berlin' },
  { countryCode: 'FR', region: null, postalCode: '75001', city: 'Paris' },
  { countryCode: 'GB', region: null, postalCode: 'SW1A 1AA', city: 'London' },
  { countryCode: 'IT', region: null, postalCode: '00184', city: 'Roma' },
  { countryCode: 'NO', region: null, postalCode: '0150', city: 'Oslo' },
  { countryCode: 'JP', region: null, postalCode: '100-0001', city: 'Tokyo' },
  { countryCode: 'BR', region: null, postalCode: '01000-000', city: 'São Paulo' },
];
const addressAt = (place: (typeof PLACES)[number], name = 'Ada Lovelace') => ({ fullName: name, line1: '1 Main Street', ...place });

const SEEDED: Record<string, CouponTerms> = {
  WELCOME10: { code: 'WELCOME10', type: 'PERCENTAGE', value: 1000, categories: [], minSubtotalCents: 0, active: true },
  SAVE5: { code: 'SAVE5', type: 'FIXED_AMOUNT', value: 500, categories: [], minSubtotalCents: 5000, active: true },
  FREESHIP: { code: 'FREESHIP', type: 'FREE_SHIPPING', value: 0, categories: [], minSubtotalCents: 0, active: true },
  GROCERY15: { code: 'GROCERY15', type: 'PERCENTAGE', value: 1500, categories: ['groceries'], minSubtotalCents: 0, active: true },
};

const totalsOf = (t: Totals) => ({
  subtotal: t.subtotal.amount,
  discountTotal: t.discountTotal.amount,
  shippingTotal: t.shippingTotal.amount,
  taxTotal: t.taxTotal.amount,
  total: t.total.amount,
});

async function ok<T>(p: Promise<{ data?: T; errors?: unknown }>): Promise<T> {
  const res = await p;
  if (!res.data || res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data;
}

// First, while no order's notifications or purchases are being processed in the background.
test('a cart page with a quote costs the same statements per subgraph for 1 line and for 8', async () => {
  const [s] = await customerTokens(catalog, 40, 1);
  const addressId = (await ok(stack.gql<{ addAddress: { id: string } }>(ADD_ADDRESS, { input: addressAt(PLACES[5]!) }, s!.token)))
    .addAddress.id;
  const measure = async (lineCount: number) => {
    await fillCart(
      stack,
      s!.token,
      catalog.products.slice(50, 50 + lineCount).map((p) => ({ productId: p.id, quantity: 2 })),
    );
    await ok(stack.gql(APPLY, { code: 'WELCOME10' }, s!.token));
    await ok(stack.gql<QuoteResult>(QUOTE, { addressId, method: 'EXPRESS' }, s!.token)); // warm-up
    for (const k of Object.keys(statements)) delete statements[k];
    const { cart } = await ok(stack.gql<QuoteResult>(QUOTE, { addressId, method: 'EXPRESS' }, s!.token));
    expect(cart.items).toHaveLength(lineCount);
    expect(cart.quote.discountTotal.amount).toBeGreaterThan(0);
    return { ...statements };
  };
  const one = await measure(1);
  const eight = await measure(8);
  expect(eight).toEqual(one);
  expect(Object.keys(one).sort()).toEqual(['cart', 'order', 'product', 'user']);
}, 120_000);

test('generated carts: the cart quote, the order charged and an independent computation agree to the cent', async () => {
  // Seeded: the generated carts are the same on every run.
  const random = seededRandom(10);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const groceries = catalog.products.filter((p) => p.category === 'groceries').map((p) => p.id);
  const others = catalog.products.filter((p) => p.category !== 'groceries').map((p) => p.id);
  const shoppers = await customerTokens(catalog, 0, 16);
  const coupons = [null, 'WELCOME10', 'SAVE5', 'FREESHIP', 'GROCERY15'] as const;
  const seen = { zones: new Set<string>(), methods: new Set<string>(), coupons: new Set<string>(), groceries: 0 };

  for (const [n, shopper] of shoppers.entries()) {
    const place = PLACES[n % PLACES.length]!;
    const method = random() < 0.5 ? 'STANDARD' : 'EXPRESS';
    const couponCode = coupons[n % coupons.length]!;
    const ids = new Set<number>();
    const count = 1 + Math.floor(random() * 4);
    while (ids.size < count) ids.add(random() < 0.4 ? pick(groceries) : pick(others));
    await fillCart(
      stack,
      shopper.token,
      [...ids].map((productId) => ({ productId, quantity: 1 + Math.floor(random() * 3) })),
    );
    let applied: CouponTerms | null = null;
    if (couponCode) {
      const res = await stack.gql(APPLY, { code: couponCode }, shopper.token);
      if (res.errors) expect(['COUPON_NOT_ELIGIBLE', 'COUPON_MIN_SUBTOTAL']).toContain(res.errors[0]?.extensions?.code);
      else applied = SEEDED[couponCode]!;
    }
    const saved = n % 2 === 0;
    const address = addressAt(place);
    const addressId = saved
      ? (await ok(stack.gql<{ addAddress: { id: string } }>(ADD_ADDRESS, { input: address }, shopper.token))).addAddress.id
      : null;
    const where = saved ? { addressId } : { address };

    const { cart } = await ok(stack.gql<QuoteResult>(QUOTE, { ...where, method }, shopper.token));
    const lines: GenLine[] = cart.items.map((i) => ({
      productId: Number(i.product.id),
      quantity: i.quantity,
      unitPriceCents: i.unitPrice.amount,
      discountBasisPoints: Math.round(i.discountPercentage * 100),
      grams: Math.round(i.product.weight * 1000),
      dims: [i.product.dimensions.width, i.product.dimensions.height, i.product.dimensions.depth].map((d) => Math.round(d * 100)) as [
        number,
        number,
        number,
      ],
      handlingDays: i.product.handlingDays,
      reduced: i.product.taxCategory === 'REDUCED',
      categoryPath: i.product.categoryPath,
    }));
    const expected = reference(lines, place.countryCode, place.region, method, applied);
    const quoted = totalsOf(cart.quote);
    expect(quoted).toEqual({
      subtotal: expected.subtotal,
      discountTotal: expected.discountTotal,
      shippingTotal: expected.shippingTotal,
      taxTotal: expected.taxTotal,
      total: expected.total,
    });
    expect(cart.quote.shipping?.chargeableKg).toBe(expected.kg);
    expect(cart.quote.shipping?.estimatedDelivery).toEqual({ minBusinessDays: expected.days[0], maxBusinessDays: expected.days[1] });
    expect(cart.quote.couponCode).toBe(applied?.code ?? null);

    const placed = await ok(
      stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: `gen-${n}`, ...where, method }, shopper.token),
    );
    const id = placed.checkout.order.id;
    await probe.settled(id);
    const { order } = await ok(
      stack.gql<{
        order: Totals & {
          status: string;
          couponCode: string | null;
          shippingMethod: string;
          shippingAddress: { countryCode: string; region: string | null };
          estimatedDelivery: unknown;
          payment: { status: string; amount: Money };
          items: { product: { id: string }; discount: Money; tax: Money }[];
        };
      }>(ORDER, { id }, shopper.token),
    );
    expect(order.status).toBe('CONFIRMED');
    expect(totalsOf(order)).toEqual(quoted);
    expect(order.payment).toEqual({ status: 'CAPTURED', amount: { amount: quoted.total } });
    expect(order).toMatchObject({
      couponCode: applied?.code ?? null,
      shippingMethod: method,
      shippingAddress: { countryCode: place.countryCode, region: place.region },
    });
    expect(order.estimatedDelivery).toEqual(cart.quote.shipping?.estimatedDelivery);
    const byProduct = (ls: { product: { id: string }; discount: Money; tax: Money }[]) =>
      Object.fromEntries(ls.map((l) => [l.product.id, [l.discount.amount, l.tax.amount]]));
    expect(byProduct(order.items)).toEqual(byProduct(cart.quote.lines));

    seen.zones.add(cart.quote.shipping!.zone);
    seen.methods.add(method);
    if (applied) seen.coupons.add(applied.type);
    seen.groceries += lines.some((l) => l.reduced) ? 1 : 0;
  }
  // The generated carts covered what the rules distinguish.
  expect(seen.zones).toEqual(new Set(['DOMESTIC', 'EUROPE', 'INTERNATIONAL']));
  expect(seen.methods).toEqual(new Set(['STANDARD', 'EXPRESS']));
  expect(seen.coupons).toEqual(new Set(['PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING']));
  expect(seen.groceries).toBeGreaterThan(0);
}, 300_000);

test('coupon errors are coded, and checkout refuses bad shipping input', async () => {
  const [a, b] = await customerTokens(catalog, 20, 2);
  const cheap = catalog.products.find((p) => p.category !== 'groceries' && p.price < 20)!;
  await fillCart(stack, a!.token, [{ productId: cheap.id, quantity: 1 }]);
  await ok(
    stack.gql(
      'mutation C($input: CouponInput!) { createCoupon(input: $input) { code } }',
      { input: { code: 'OLD5', type: 'FIXED_AMOUNT', value: 500, validUntil: '2020-01-01T00:00:00Z' } },
      adminToken,
    ),
  );
  const codeOf = async (code: string) => (await stack.gql(APPLY, { code }, a!.token)).errors?.[0]?.extensions?.code;
  expect(await codeOf('NOPE')).toBe('COUPON_NOT_FOUND');
  expect(await codeOf('old5')).toBe('COUPON_EXPIRED');
  expect(await codeOf('GROCERY15')).toBe('COUPON_NOT_ELIGIBLE');
  expect(await codeOf('SAVE5')).toBe('COUPON_MIN_SUBTOTAL');
  expect((await stack.gql(APPLY, { code: 'freeship' }, a!.token)).data).toMatchObject({ applyCoupon: { couponCode: 'FREESHIP' } });
  // FREESHIP applied: STANDARD to Germany is free, EXPRESS is charged, both with their estimate.
  const options = await ok(
    stack.gql<{ cart: { shippingOptions: { method: string; zone: string; price: Money; fullPrice: Money; freeReason: string | null }[] } }>(
      '{ cart { shippingOptions(countryCode: "de") { method zone price { amount } fullPrice { amount } freeReason estimatedDelivery { minBusinessDays } } } }',
      {},
      a!.token,
    ),
  );
  expect(options.cart.shippingOptions.map((o) => [o.method, o.zone, o.price.amount === 0, o.freeReason])).toEqual([
    ['STANDARD', 'EUROPE', true, 'COUPON'],
    ['EXPRESS', 'EUROPE', false, null],
  ]);
  const badCountry = await stack.gql('{ cart { shippingOptions(countryCode: "XX") { method } } }', {}, a!.token);
  expect(badCountry.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'countryCode' });
  expect((await stack.gql('mutation { removeCoupon { couponCode } }', {}, a!.token)).data).toEqual({ removeCoupon: { couponCode: null } });

  const errorOf = async (vars: Record<string, unknown>, token = a!.token) =>
    (await stack.gql(CHECKOUT, { key: 'bad', ...vars }, token)).errors?.[0]?.extensions;
  const address = addressAt(PLACES[0]!);
  const bAddress = (await ok(stack.gql<{ addAddress: { id: string } }>(ADD_ADDRESS, { input: address }, b!.token))).addAddress.id;
  expect(await errorOf({ addressId: bAddress, address })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'shippingAddress' });
  expect(await errorOf({ addressId: bAddress })).toMatchObject({ code: 'NOT_FOUND' });
  expect(await errorOf({ address: { ...address, postalCode: 'ABCDE' } })).toMatchObject({
    code: 'BAD_USER_INPUT',
    field: 'shippingAddress.postalCode',
  });
  expect(await errorOf({ address: { ...address, region: null } })).toMatchObject({
    code: 'BAD_USER_INPUT',
    field: 'shippingAddress.region',
  });
  expect(await errorOf({ method: 'EXPRESS' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'shippingAddressId' });
  expect(await stack.db.order.order.count({ where: { idempotencyKey: 'bad' } })).toBe(0);
  // Admin operations are admin's.
  expect((await stack.gql('{ coupons { code } }', {}, a!.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const rate = await stack.gql(
    'mutation { updateShippingRate(zone: EUROPE, method: EXPRESS, input: { baseCents: 3999, perKgCents: 400, transitMinDays: 2, transitMaxDays: 4 }) { base { amount } } }',
    {},
    a!.token,
  );
  expect(rate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

test('200 concurrent checkouts with a coupon limited to 10 uses: 10 redeem it, 190 FAIL with COUPON_USAGE_LIMIT, uncharged, stock back', async () => {
  await ok(
    stack.gql(
      'mutation C($input: CouponInput!) { createCoupon(input: $input) { code } }',
      { input: { code: 'LIMIT10', type: 'PERCENTAGE', value: 2000, usageLimit: 10 } },
      adminToken,
    ),
  );
  const PRODUCT = 30;
  const shoppers = await customerTokens(catalog, 0, 200);
  await forEachLimited(shoppers, 10, async (s) => {
    await fillCart(stack, s.token, [{ productId: PRODUCT, quantity: 1 }]);
    await ok(stack.gql(APPLY, { code: 'LIMIT10' }, s.token));
  });
  const stockBefore = await probe.stockOf(PRODUCT);
  const address = addressAt(PLACES[4]!);
  // 200 checkouts at once, spread over the shoppers the catalog has (the generated demo catalog has
  // fewer than 200 customers: then some check their cart out more than once, with distinct keys).
  // The sagas wait until every order exists, so no repeated checkout finds its cart already consumed.
  await Promise.all(stack.checkoutWorkers.map((w) => w.pause()));
  const ids = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const s = shoppers[i % shoppers.length]!;
      const key = `limit10-${Math.floor(i / shoppers.length)}`;
      return (await ok(stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key, address }, s.token))).checkout.order.id;
    }),
  );
  expect(new Set(ids).size).toBe(200);
  stack.checkoutWorkers.forEach((w) => w.resume());
  const orders = await probe.allSettled(ids);
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
  const failed = orders.filter((o) => o.status === 'FAILED');
  expect(confirmed).toHaveLength(10);
  expect(confirmed.every((o) => o.discountTotalCents > 0 && o.payment?.amountCents === o.totalCents)).toBe(true);
  expect(failed).toHaveLength(190);
  expect(new Set(failed.map((o) => o.failureReason))).toEqual(new Set(['COUPON_USAGE_LIMIT']));
  const coupon = await stack.db.order.coupon.findUniqueOrThrow({ where: { code: 'LIMIT10' }, include: { redemptions: true } });
  expect(coupon.redeemedCount).toBe(10);
  expect(new Set(coupon.redemptions.filter((r) => !r.releasedAt).map((r) => r.orderId))).toEqual(new Set(confirmed.map((o) => o.id)));
  // Nothing was authorized for the failed ones, and only the confirmed ones took stock.
  const ops = await stack.db.order.simulatedPaymentOperation.count({
    where: { intent: { idempotencyKey: { in: failed.map((o) => `authorize-${o.id}`) } } },
  });
  expect(ops).toBe(0);
  await Promise.all(failed.slice(0, 20).map((o) => probe.released(o.id)));
  expect(await probe.stockOf(PRODUCT)).toBe(stockBefore - 10);
}, 300_000);

test('a declined payment and a cancellation each give the redemption back', async () => {
  await ok(
    stack.gql(
      'mutation C($input: CouponInput!) { createCoupon(input: $input) { code } }',
      { input: { code: 'ONCE', type: 'FIXED_AMOUNT', value: 100, usageLimit: 1 } },
      adminToken,
    ),
  );
  const [x, y, z] = await customerTokens(catalog, 30, 3);
  for (const s of [x!, y!, z!]) await fillCart(stack, s.token, [{ productId: 40, quantity: 1 }]);
  const redeemed = async () => (await stack.db.order.coupon.findUniqueOrThrow({ where: { code: 'ONCE' } })).redeemedCount;

  await ok(stack.gql(APPLY, { code: 'ONCE' }, x!.token));
  const declined = (
    await ok(stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'd', token: 'tok_chargeDeclined' }, x!.token))
  ).checkout.order.id;
  expect((await probe.settled(declined)).failureReason).toBe('PAYMENT_DECLINED');
  await eventually(async () => ((await redeemed()) === 0 ? true : undefined), 'redemption returned after the decline');

  await ok(stack.gql(APPLY, { code: 'ONCE' }, y!.token));
  const paid = (await ok(stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: 'p' }, y!.token))).checkout.order.id;
  expect((await probe.settled(paid)).status).toBe('CONFIRMED');
  expect(await redeemed()).toBe(1);
  expect((await stack.gql(APPLY, { code: 'ONCE' }, z!.token)).errors?.[0]?.extensions?.code).toBe('COUPON_USAGE_LIMIT');

  await ok(stack.gql('mutation C($id: ID!) { cancelOrder(id: $id) { status } }', { id: paid }, y!.token));
  await eventually(async () => ((await redeemed()) === 0 ? true : undefined), 'redemption returned after the cancellation');
  await ok(stack.gql(APPLY, { code: 'ONCE' }, z!.token));
  // The compensation is idempotent: running it again gives nothing back twice.
  await stack.orderServices.checkout.compensate(paid);
  expect(await redeemed()).toBe(0);
}, 120_000);
