import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { composeSupergraph, type RunningGateway } from '@commerce/gateway';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';

/**
 * Issue 15 item 2: in-flight deduplication. A proxy in front of a real subgraph holds every
 * request it gets until the test releases it, so concurrent fetches overlap for certain (no
 * timing guess) and the test counts what the subgraph was really sent. Anonymous identical
 * catalog fetches share one request; two users' identical `me` fetches never do (one user's two
 * tokens do); mutations never; with the switch off, nothing is shared.
 */

/** An HTTP proxy to `target` that records each request and, while holding, forwards none until {@link release}. */
class HoldingProxy {
  /** The body of every request received, in order. */
  readonly received: string[] = [];
  private holding = true;
  private readonly held: (() => void)[] = [];
  private readonly server = http.createServer((req, res) => void this.forward(req, res));

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  /** Forwards what is held and everything after, until {@link hold}. */
  release(): void {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }

  hold(): void {
    this.holding = true;
    this.received.length = 0;
  }

  close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST') {
      this.received.push(body);
      if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => ['content-type', 'x-caller-token', 'x-request-id', 'x-cart-token'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(new URL(req.url ?? '/', this.target), {
      method: req.method,
      headers,
      ...(req.method === 'POST' ? { body } : {}),
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(await upstream.text());
  }
}

/** Fetches joined so far at `subgraph` (commerce_gateway_subgraph_fetch_deduplicated_total; this process's registry). */
async function joined(subgraph: string): Promise<number> {
  const metric = register.getSingleMetric('commerce_gateway_subgraph_fetch_deduplicated_total');
  const values = (await metric?.get())?.values ?? [];
  return values.filter((v) => v.labels.subgraph === subgraph).reduce((sum, v) => sum + v.value, 0);
}

let stack: Stack;
let catalog: Catalog;
let userProxy: HoldingProxy;
let productProxy: HoldingProxy;
let proxied: RunningGateway;
let undeduplicated: RunningGateway;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
  userProxy = new HoldingProxy(stack.subgraphUrls.user);
  productProxy = new HoldingProxy(stack.subgraphUrls.product);
  const urls = { ...stack.subgraphUrls, user: await userProxy.start(), product: await productProxy.start() };
  // The proxies forward readiness probes too, but a held probe must not make the gateway unready.
  const options = { supergraphSdl: composeSupergraph(urls), subgraphReadiness: 'reported' as const };
  proxied = await stack.startAnotherGateway(options);
  undeduplicated = await stack.startAnotherGateway({ ...options, deduplicateFetches: false });
});

afterAll(async () => {
  await Promise.all([userProxy?.close(), productProxy?.close()]);
  await stack?.close();
});

afterEach(() => {
  userProxy.hold();
  productProxy.hold();
});

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id title price { amount } } }';
const ME = '{ me { id username } }';

it('anonymous concurrent identical catalog fetches share one request to the subgraph, each caller gets the data', async () => {
  const before = await joined('product');
  const answers = Array.from({ length: 6 }, () =>
    stack.gql<{ product: { id: string; title: string } }>(PRODUCT, { id: '1' }, undefined, proxied),
  );
  // Released only once the five others have joined the first fetch (counted by the gateway).
  await eventually(async () => ((await joined('product')) - before >= 5 ? true : undefined), 'five fetches joining the first');
  productProxy.release();
  const results = await Promise.all(answers);
  expect(productProxy.received).toHaveLength(1);
  for (const r of results) {
    expect(r.errors).toBeUndefined();
    expect(r.data!.product).toEqual(results[0]!.data!.product);
  }
  expect(results[0]!.data!.product.id).toBe('1');
  // Independent copies: the answer of one caller is not the object of another.
  expect(results[0]!.data!.product).not.toBe(results[1]!.data!.product);
});

it("two users' concurrent identical `me` fetches are sent separately; one user's two tokens share one", async () => {
  const [a, b] = [catalog.users[0]!, catalog.users[1]!];
  const [tokenA, tokenA2, tokenB] = await Promise.all([
    stack.login(a.username, a.password),
    stack.login(a.username, a.password),
    stack.login(b.username, b.password),
  ]);
  expect(tokenA).not.toBe(tokenA2);
  const before = await joined('user');
  type Me = { me: { username: string } };
  const answers = [tokenA, tokenB, tokenA2].map((token) => stack.gql<Me>(ME, {}, token, proxied));
  // A and B are two requests at the subgraph; A's second token joins A's fetch.
  await eventually(() => (userProxy.received.length >= 2 ? true : undefined), 'both users’ fetches at the subgraph');
  await eventually(async () => ((await joined('user')) - before >= 1 ? true : undefined), 'the second token of A joining');
  userProxy.release();
  const [meA, meB, meA2] = await Promise.all(answers);
  expect(meA!.data!.me.username).toBe(a.username);
  expect(meB!.data!.me.username).toBe(b.username);
  expect(meA2!.data!.me.username).toBe(a.username);
  expect(userProxy.received).toHaveLength(2);
  expect((await joined('user')) - before).toBe(1);
});

it('identical concurrent mutations are each sent', async () => {
  const a = catalog.users[0]!;
  const before = await joined('user');
  const LOGIN = 'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }';
  const answers = [0, 1].map(() =>
    stack.gql<{ login: { accessToken: string } }>(LOGIN, { u: a.username, p: a.password }, undefined, proxied),
  );
  // Had they been merged, the subgraph would only ever see one and this would not end.
  await eventually(() => (userProxy.received.length >= 2 ? true : undefined), 'both mutations at the subgraph');
  userProxy.release();
  const results = await Promise.all(answers);
  for (const r of results) expect(r.data?.login.accessToken).toEqual(expect.any(String));
  expect(userProxy.received).toHaveLength(2);
  expect(await joined('user')).toBe(before);
});

it('with GATEWAY_DEDUPLICATE_FETCHES off, identical concurrent queries are each sent', async () => {
  const answers = [0, 1, 2].map(() => stack.gql(PRODUCT, { id: '2' }, undefined, undeduplicated));
  await eventually(() => (productProxy.received.length >= 3 ? true : undefined), 'three fetches at the subgraph');
  productProxy.release();
  for (const r of await Promise.all(answers)) expect(r.errors).toBeUndefined();
  expect(productProxy.received).toHaveLength(3);
});
