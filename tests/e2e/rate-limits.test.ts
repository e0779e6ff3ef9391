import type { RunningGateway } from '@commerce/gateway';
import { loadCatalog } from '@commerce/seed-data';
import { RawSocket } from '../support/hostile';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/** Two gateway instances in front of one stack share their request budgets through Redis. */

let stack: Stack;
let first: RunningGateway;
let second: RunningGateway;
let tokens: string[];

beforeAll(async () => {
  const catalog = await loadCatalog();
  stack = await startStack();
  const limits = { perUser: { points: 5, durationSeconds: 60 }, perIp: { points: 1_000, durationSeconds: 60 } };
  [first, second] = [await stack.startAnotherGateway({ rateLimits: limits }), await stack.startAnotherGateway({ rateLimits: limits })];
  const users = catalog.users.filter((u) => u.role === 'user').slice(0, 2);
  tokens = await Promise.all(users.map((u) => mintAccessToken({ userId: u.id, role: 'CUSTOMER' })));
});
afterAll(() => stack?.close());

async function ask(gateway: RunningGateway, token?: string) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: '{ me { id } }' }),
  });
  const body = (await response.json()) as { errors?: { extensions: { code: string; retryAfterSeconds?: number } }[] };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), error: body.errors?.[0]?.extensions };
}

test('per-address budgets are shared too: 3 a minute over two gateways, the 4th anonymous request is refused', async () => {
  // Runs first: every gateway of this stack counts the same address (127.0.0.1) under one key.
  const limits = { perUser: { points: 1_000, durationSeconds: 60 }, perIp: { points: 3, durationSeconds: 60 } };
  const [a, b] = [await stack.startAnotherGateway({ rateLimits: limits }), await stack.startAnotherGateway({ rateLimits: limits })];
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await ask(i % 2 === 0 ? a : b)).status);
  expect(statuses).toEqual([200, 200, 200, 429]);
});

test('a user’s budget (5 a minute) is shared by both gateways: the 6th request anywhere is RATE_LIMITED with a retry hint', async () => {
  const answers = [];
  for (let i = 0; i < 8; i++) answers.push(await ask(i % 2 === 0 ? first : second, tokens[0]));
  expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
  expect(answers.slice(0, 5).every((a) => a.status === 200 && !a.error)).toBe(true);
  for (const refused of answers.slice(5)) {
    expect(refused.status).toBe(429);
    expect(refused.error).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number), requestId: expect.any(String) });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBe(refused.error!.retryAfterSeconds);
  }
  // Another user is not affected.
  expect((await ask(second, tokens[1])).status).toBe(200);
});

test('a subscribe counts against the same budget', async () => {
  const socket = await RawSocket.connect(first.wsUrl, `Bearer ${tokens[0]}`);
  const { messages } = await socket.operation('1', { query: 'subscription { orderStatusChanged { id } }' });
  expect(messages).toEqual([
    {
      id: '1',
      type: 'error',
      payload: [
        expect.objectContaining({
          extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number), requestId: expect.any(String) },
        }),
      ],
    },
  ]);
  socket.close();
});
