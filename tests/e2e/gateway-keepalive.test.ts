import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createLogger, createRedis, SUBGRAPHS, type Redis, type SubgraphName } from '@commerce/common';
import { composeSupergraph, startGateway, type RunningGateway } from '@commerce/gateway';
import { INTERNAL_SECRET } from '../support/stack';

// Keep-alive needs no subgraph: a gateway on a supergraph whose subgraphs are not running is enough.
let gateway: RunningGateway;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connections: Redis[] = [createRedis(redisUrl), createRedis(redisUrl)];

beforeAll(async () => {
  gateway = await startGateway({
    supergraphSdl: composeSupergraph(
      Object.fromEntries(SUBGRAPHS.map((s) => [s, `http://127.0.0.1:9/${s}`])) as Record<SubgraphName, string>,
    ),
    port: 0,
    internalSecret: INTERNAL_SECRET,
    // Anonymous connections only: the key set is never fetched.
    jwks: { url: 'http://127.0.0.1:9/.well-known/jwks.json' },
    subscriber: connections[0]!,
    redis: connections[1]!,
    redisPrefix: `test-keepalive-${randomBytes(4).toString('hex')}`,
    keepAliveMs: 100,
    logger: createLogger('test', 'silent'),
  });
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
});

/** A graphql-transport-ws connection that has been acknowledged. */
async function connect(options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const socket = new WebSocket(gateway.wsUrl, 'graphql-transport-ws', options);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.once('message', (raw) => (JSON.parse(String(raw)).type === 'connection_ack' ? resolve() : reject(new Error(String(raw)))));
  });
  return socket;
}

test('the gateway pings graphql-ws connections, and terminates one that stops answering', async () => {
  const alive = await connect();
  await new Promise((resolve) => alive.once('ping', resolve));
  // Three rounds later the answering client is still connected.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => alive.once('ping', resolve));
  expect(alive.readyState).toBe(WebSocket.OPEN);

  const silent = await connect({ autoPong: false });
  const code = await new Promise<number>((resolve) => silent.once('close', resolve));
  // Terminated without a close frame: 1006 on the client side.
  expect(code).toBe(1006);
  expect(alive.readyState).toBe(WebSocket.OPEN);
  alive.close();
});
