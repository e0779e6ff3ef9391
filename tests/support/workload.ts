import WebSocket from 'ws';
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import type { Catalog } from '@commerce/seed-data';
import { orderProbes } from './orders';
import { CHECKOUT, customerTokens, fillCart } from './shoppers';
import type { Stack } from './stack';

export const CATALOG_QUERY = 'query Catalog { products(first: 3) { edges { node { id title price { amount } } } } }';

/** What {@link checkoutWorkload} did, for assertions. */
export interface WorkloadResult {
  confirmed: string;
  failed: string;
  /** Results the graphql-ws and SSE subscriptions received. */
  wsEvents: number;
  sseEvents: number;
}

/**
 * A known workload through the gateway, with the stack's workers running: catalog queries, one
 * checkout with the WELCOME10 coupon that CONFIRMs (watched over graphql-ws) and one with a
 * declined card that FAILs (PAYMENT_DECLINED), both waited for; one SSE subscription's first state.
 * @param shopper index of the first of the two seeded shoppers it uses (suites pick apart).
 */
export async function checkoutWorkload(stack: Stack, catalog: Catalog, shopper: number): Promise<WorkloadResult> {
  for (let i = 0; i < 3; i++) {
    const res = await stack.gql(CATALOG_QUERY);
    if (res.errors) throw new Error(`catalog query failed: ${JSON.stringify(res.errors)}`);
  }
  const [a, b] = await customerTokens(catalog, shopper, 2);
  const product = catalog.products.find((p) => p.stock >= 20 && p.category !== 'groceries')!;
  for (const s of [a!, b!]) await fillCart(stack, s.token, [{ productId: product.id, quantity: 1 }]);
  const applied = await stack.gql('mutation Apply { applyCoupon(code: "WELCOME10") { couponCode } }', {}, a!.token);
  if (applied.errors) throw new Error(`applyCoupon failed: ${JSON.stringify(applied.errors)}`);

  const place = async (token: string, key: string, paymentToken: string) => {
    const res = await stack.gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key, token: paymentToken }, token);
    if (!res.data?.checkout) throw new Error(`checkout failed: ${JSON.stringify(res.errors)}`);
    return res.data.checkout.order.id;
  };
  const confirmed = await place(a!.token, `metrics-${shopper}-a`, 'tok_visa');
  const ws = createWsClient({
    url: stack.gateway.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${a!.token}` },
    retryAttempts: 0,
  });
  let wsEvents = 0;
  try {
    const events = ws.iterate<{ orderStatusChanged: { status: string } }>({
      query: 'subscription Watch($id: ID!) { orderStatusChanged(orderId: $id) { id status } }',
      variables: { id: confirmed },
    });
    for await (const event of events) {
      wsEvents += 1;
      if (event.errors) throw new Error(`subscription failed: ${JSON.stringify(event.errors)}`);
      if (event.data?.orderStatusChanged.status !== 'PENDING') break;
    }
  } finally {
    await ws.dispose();
  }
  const failed = await place(b!.token, `metrics-${shopper}-b`, 'tok_chargeDeclined');
  await orderProbes(stack).allSettled([confirmed, failed]);

  const sse = createSseClient({ url: stack.gateway.sseUrl, retryAttempts: 0 });
  let sseEvents = 0;
  try {
    const stock = sse.iterate({ query: `subscription Stock { productStockChanged(productId: "${product.id}") { id stock } }` });
    for await (const event of stock) {
      if (event.errors) throw new Error(`SSE subscription failed: ${JSON.stringify(event.errors)}`);
      sseEvents += 1;
      break;
    }
  } finally {
    sse.dispose();
  }
  return { confirmed, failed, wsEvents, sseEvents };
}
