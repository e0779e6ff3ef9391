import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { composeSupergraph, type RunningGateway } from '@commerce/gateway';
import { freePort } from '../../scripts/lib/ports';
import { startStack, type Stack } from '../support/stack';

/**
 * Issue 12 item 5, gateway side: a subgraph that is down (connection refused) or hangs (accepts
 * and never answers, as a SIGSTOPped process does) costs only its own fields: the gateway answers
 * with the other subgraphs' data and a SUBGRAPH_UNAVAILABLE error naming the service, within
 * SUBGRAPH_TIMEOUT_MS, never a hang and never a masked INTERNAL_SERVER_ERROR.
 */

let stack: Stack;
let hung: net.Server;
const sockets: net.Socket[] = [];
let downGateway: RunningGateway;
let hungGateway: RunningGateway;

beforeAll(async () => {
  stack = await startStack();
  hung = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/graphql`;
  const downUrl = `http://127.0.0.1:${await freePort()}/graphql`;
  const gatewayWith = (reviewUrl: string) =>
    stack.startAnotherGateway({
      supergraphSdl: composeSupergraph({ ...stack.subgraphUrls, review: reviewUrl }),
      subgraphReadiness: 'reported',
      subgraphTimeoutMs: 1_000,
    });
  downGateway = await gatewayWith(downUrl);
  hungGateway = await gatewayWith(hungUrl);
});
afterAll(async () => {
  sockets.forEach((s) => s.destroy());
  await new Promise<void>((resolve) => hung?.close(() => resolve()));
  await stack?.close();
});

const QUERY = '{ product(id: "1") { id title price { amount } averageRating } }';

test.each([
  ['down (connection refused)', () => downGateway, false],
  ['hung (never answers)', () => hungGateway, true],
])('review subgraph %s: product data comes back with averageRating null and a SUBGRAPH_UNAVAILABLE error', async (_, via, timedOut) => {
  const healthy = await stack.gql<{ product: { id: string; title: string; price: { amount: number }; averageRating: number | null } }>(
    QUERY,
  );
  expect(healthy.errors).toBeUndefined();
  expect(healthy.data!.product.averageRating).not.toBeNull();

  const partial = await stack.gql<typeof healthy.data>(QUERY, {}, undefined, via());
  expect(partial.status).toBe(200);
  expect(partial.data).toEqual({ product: { ...healthy.data!.product, averageRating: null } });
  expect(partial.errors).toHaveLength(1);
  expect(partial.errors![0]!.extensions).toEqual({
    code: 'SUBGRAPH_UNAVAILABLE',
    service: 'review',
    timedOut,
    retryable: true,
    requestId: expect.any(String),
  });
  expect(JSON.stringify(partial.errors)).not.toMatch(/stack|ECONNREFUSED|127\.0\.0\.1/);
});

test("the gateway's readiness reports the down subgraph while it keeps serving the others", async () => {
  const response = await fetch(new URL('/health/ready', downGateway.url));
  const body = (await response.json()) as { checks: Record<string, { status: string }> };
  expect(body.checks['subgraph:review']).toMatchObject({ status: 'down', required: false });
  expect(body.checks['subgraph:product']).toMatchObject({ status: 'ok' });
});
