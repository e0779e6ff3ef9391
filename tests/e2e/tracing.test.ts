import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { composeSupergraph } from '@commerce/gateway';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { eventually } from '../support/eventually';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { CHECKOUT } from '../support/shoppers';
import { startStack, type Stack } from '../support/stack';
import { spawnProcess, type WorkerProcess } from '../support/worker-process';

// Instrumentations patch modules as a process loads them, so only real processes started with
// OTEL_* set can show real traces: the gateway, the order, product and cart subgraphs, the
// checkout worker and the notification worker run as their mains run in production. The user
// and review subgraphs stay in the test process (untraced): a checkout does not reach them.
// Six processes load on a shared machine: minutes, not seconds, under load.
jest.setTimeout(600_000);

let stack: Stack;
let catalog: Catalog;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let gateway: GatewayProcess;
const processes: WorkerProcess[] = [];
let ws: WsClient | undefined;
let urls: { product: string; cart: string; order: string };

/** A port nothing listens on right now (the OS's pick for port 0, released again). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  catalog = await loadCatalog();
  stack = await startStack();
  // The traced order subgraph's relay dispatches the outbox; the in-process one would race it untraced.
  await stack.orderServices.relay.stop();
  receiver = await startOtlpReceiver();
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Spans leave within 100 ms instead of the default 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
    HEALTH_CHECK_TIMEOUT_MS: '5000',
  };
  const traced = (extra: Record<string, string>) => stack.processEnv({ LOG_LEVEL: 'info', ...otel, ...extra });
  const spawn = async (name: string, env: Record<string, string>) => {
    const started = await spawnProcess(name, traced(env));
    processes.push(started);
    return started;
  };
  // Ports chosen up front, so all six processes start at once (each takes seconds to load).
  const [productPort, cartPort, orderPort] = await Promise.all([freePort(), freePort(), freePort()]);
  urls = {
    product: `http://127.0.0.1:${productPort}/graphql`,
    cart: `http://127.0.0.1:${cartPort}/graphql`,
    order: `http://127.0.0.1:${orderPort}/graphql`,
  };
  const dependencies = { PRODUCT_SUBGRAPH_URL: urls.product, CART_SUBGRAPH_URL: urls.cart };
  const supergraphSdl = composeSupergraph({ ...stack.subgraphUrls, ...urls });
  [gateway] = await Promise.all([
    spawnGateway({ ...stack, supergraphSdl }, otel),
    spawn('product', { PRODUCT_PORT: String(productPort) }),
    spawn('cart', { CART_PORT: String(cartPort), ...dependencies }),
    spawn('order', { ORDER_PORT: String(orderPort), ...dependencies }),
    spawn('checkout-worker', dependencies),
    spawn('notification-worker', { MAIL_OUTBOX_DIR: stack.mailDir }),
  ]);
  // Ready means every subgraph answers its own readiness (gateway and subgraphs log "ready" before that).
  await eventually(async () => ((await fetch(`${gateway.origin}/health/ready`)).status === 200 ? true : undefined), 'the gateway ready');
});

afterAll(async () => {
  await ws?.dispose();
  await gateway?.stop();
  for (const p of processes) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  }
  await Promise.all(processes.map((p) => p.exited));
  await receiver?.close();
  await stack?.close();
});

async function gql<T>(query: string, variables: Record<string, unknown>, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) {
    const problems = [gateway, ...processes].flatMap((p) =>
      p
        .output()
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l)),
    );
    throw new Error(`${query}: ${JSON.stringify(body.errors)}\n${problems.join('\n')}`);
  }
  return body.data!;
}

const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

test('one trace covers a checkout: gateway → order subgraph → outbox → checkout worker (saga, product and cart calls) → notification job → subscription delivery; logs carry its trace_id', async () => {
  const shopper = catalog.users.filter((u) => u.role === 'user')[7]!;
  const token = await stack.login(shopper.username, shopper.password);
  const product = catalog.products.find((p) => p.stock > 5)!;
  await gql('mutation { clearCart { totalQuantity } }', {}, token);
  await gql(`mutation { addToCart(productId: "${product.id}", quantity: 2) { totalQuantity } }`, {}, token);

  ws = createWsClient({
    url: `${gateway.origin.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const statuses: { id: string; status: string }[] = [];
  let subscriptionError: unknown;
  ws.subscribe<{ orderStatusChanged: { id: string; status: string } }>(
    { query: 'subscription { orderStatusChanged { id status } }' },
    {
      next: (result) => {
        if (result.data) statuses.push(result.data.orderStatusChanged);
        else subscriptionError = result.errors;
      },
      error: (err) => (subscriptionError = err),
      complete: () => undefined,
    },
  );
  // A query on the same socket answers only after the subscription before it was set up.
  await new Promise((resolve, reject) =>
    ws!.subscribe({ query: '{ categories { id } }' }, { next: resolve, error: reject, complete: () => undefined }),
  );

  // The client starts the trace (as a browser's instrumentation would), so the test knows its id.
  const traceId = randomBytes(16).toString('hex');
  const placed = await gql<{ checkout: { order: { id: string } } }>(CHECKOUT, { key: `traced-${traceId}`, token: null }, token, {
    traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
  });
  const orderId = placed.checkout.order.id;
  await eventually(() => statuses.find((s) => s.id === orderId && s.status === 'CONFIRMED') ?? subscriptionError, 'CONFIRMED delivered');
  expect(subscriptionError).toBeUndefined();

  const port = (url: string) => new URL(url).port;
  const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
  const find = (service: string, name: string | RegExp, kind?: number) =>
    inTrace().find(
      (s) =>
        s.service === service &&
        (typeof name === 'string' ? s.name === name : name.test(s.name)) &&
        (kind === undefined || s.kind === kind),
    );
  const calls = (service: string, url: string) =>
    inTrace().find(
      (s) => s.service === service && s.kind === SPAN_KIND.client && String(s.attributes['url.full'] ?? '').includes(`:${port(url)}/`),
    );
  // The server span a client span reached (the order subgraph calls cart and product too).
  const servedFor = (service: string, client: ReceivedSpan | undefined) =>
    client && inTrace().find((s) => s.service === service && s.kind === SPAN_KIND.server && s.parentSpanId === client.spanId);
  const delivery = (writtenBy: string) =>
    inTrace().find(
      (s) =>
        s.service === 'gateway' &&
        s.name === 'Subscription.orderStatusChanged deliver' &&
        s.kind === SPAN_KIND.consumer &&
        inTrace().some((parent) => parent.spanId === s.parentSpanId && parent.service === writtenBy),
    );
  const expected = () => ({
    gatewayRequest: find('gateway', /^POST/, SPAN_KIND.server),
    gatewayFetchToOrder: calls('gateway', urls.order),
    orderRequest: find('order-subgraph', /^POST/, SPAN_KIND.server),
    orderSql: find('order-subgraph', /^prisma:/),
    jobProcessed: find('checkout-worker', 'process checkout', SPAN_KIND.consumer),
    saga: find('checkout-worker', 'checkout.saga'),
    reserveStock: find('checkout-worker', 'checkout.reserve-stock'),
    commitCart: find('checkout-worker', 'checkout.commit-cart'),
    capturePayment: find('checkout-worker', 'checkout.capture-payment'),
    callToProduct: calls('checkout-worker', urls.product),
    productServes: servedFor('product-subgraph', calls('checkout-worker', urls.product)),
    callToCart: calls('checkout-worker', urls.cart),
    cartServes: servedFor('cart-subgraph', calls('checkout-worker', urls.cart)),
    notification: find('notification-worker', 'process notifications', SPAN_KIND.consumer),
    // Both events go out in the checkout's trace: PENDING (written by the mutation) and CONFIRMED (by the saga).
    deliveredPending: delivery('order-subgraph'),
    deliveredConfirmed: delivery('checkout-worker'),
  });
  const spans = await eventually(() => {
    const found = expected();
    return Object.values(found).every(Boolean) ? (found as Record<keyof typeof found, ReceivedSpan>) : undefined;
  }, `every part of the checkout in trace ${traceId}`).catch((err: unknown) => {
    const missing = Object.entries(expected())
      .filter(([, span]) => !span)
      .map(([name]) => name);
    const seen = inTrace().map((s) => `${s.service} ${s.name}`);
    throw new Error(`${(err as Error).message}; missing ${missing.join(', ')}; the trace has: ${seen.join(' | ')}`);
  });

  const byId = new Map(inTrace().map((s) => [s.spanId, s]));
  const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
  // The checkout job is a child of the span that wrote its outbox row in the order subgraph…
  expect(parentOf(spans.jobProcessed)?.service).toBe('order-subgraph');
  // …the saga runs inside the job, its steps inside the saga, the HTTP calls inside the steps.
  expect(parentOf(spans.saga)?.spanId).toBe(spans.jobProcessed.spanId);
  expect(parentOf(spans.reserveStock)?.spanId).toBe(spans.saga.spanId);
  expect(parentOf(spans.callToProduct)?.spanId).toBe(spans.reserveStock.spanId);
  expect(parentOf(spans.callToCart)?.spanId).toBe(spans.commitCart.spanId);
  expect(parentOf(spans.productServes)?.spanId).toBe(spans.callToProduct.spanId);
  expect(parentOf(spans.cartServes)?.spanId).toBe(spans.callToCart.spanId);
  // The notification job and the CONFIRMED event were written by the worker's confirming transaction.
  expect(parentOf(spans.notification)?.service).toBe('checkout-worker');
  const ancestors = (span: ReceivedSpan): string[] => {
    const parent = parentOf(span);
    return parent ? [parent.name, ...ancestors(parent)] : [];
  };
  expect(ancestors(spans.deliveredConfirmed)).toEqual(expect.arrayContaining(['checkout.confirm', 'checkout.saga', 'process checkout']));
  expect(ancestors(spans.deliveredPending)).toEqual(expect.arrayContaining([spans.orderRequest.name]));
  expect(spans.deliveredConfirmed.attributes['commerce.subscription.field']).toBe('orderStatusChanged');
  // GraphQL execution spans in subgraphs only: the gateway's own spans describe its planning.
  expect(receiver.spans.some((s) => s.service === 'gateway' && s.scope.includes('instrumentation-graphql'))).toBe(false);
  expect(receiver.spans.some((s) => s.service === 'order-subgraph' && s.scope.includes('instrumentation-graphql'))).toBe(true);
  // Probes are not traced.
  expect(receiver.spans.filter((s) => String(s.attributes['url.path'] ?? s.attributes['http.target'] ?? '').startsWith('/health'))).toEqual(
    [],
  );
  expect(receiver.rejected).toEqual([]);

  const worker = processes.find((p) => p.output().includes('checkout worker ready'))!;
  const confirmedLine = worker
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; orderId?: string; trace_id?: string; span_id?: string })
    .find((entry) => entry.msg === 'checkout confirmed' && entry.orderId === orderId);
  expect(confirmedLine?.trace_id).toBe(traceId);
  expect(byId.get(confirmedLine!.span_id!)?.name).toBe('checkout.saga');
});
