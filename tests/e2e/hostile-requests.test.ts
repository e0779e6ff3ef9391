import { loadCatalog } from '@commerce/seed-data';
import { databaseFingerprint, problemsWith, rawRequest, RawSocket, leakIn, type RawAnswer } from '../support/hostile';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';
import { big, bodyOf, operations, transport } from '../support/hostile-corpus';

/**
 * A corpus of hostile and malformed requests, over HTTP and over graphql-ws: every answer is a
 * GraphQL error with a code (never a 5xx, a stack trace or SQL), and no database changes.
 */

let stack: Stack;
let token: string;
let before: Record<string, string>;

beforeAll(async () => {
  const catalog = await loadCatalog();
  stack = await startStack({ gateway: { wsInitTimeoutMs: 300 } });
  const customer = catalog.users.find((u) => u.role === 'user')!;
  token = await mintAccessToken({ userId: customer.id, role: 'CUSTOMER' });
  before = await databaseFingerprint(stack.urls);
});
afterAll(() => stack?.close());

test(`the corpus has at least 100 hostile requests (${operations.length} operations × 2 transports + ${transport.length} transport cases)`, () => {
  expect(operations.length * 2 + transport.length).toBeGreaterThanOrEqual(100);
});

test('over HTTP, every hostile operation is a GraphQL error with a code, never a 5xx or a leak', async () => {
  const failures: Record<string, string[]> = {};
  for (const op of operations) {
    const answer = await rawRequest(stack.gateway.url, {
      body: bodyOf(op),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    const problems = problemsWith(answer);
    // Every error carries the request's correlation id, the one in the x-request-id header.
    if (answer.json?.errors?.some((e) => (e.extensions as { requestId?: unknown } | undefined)?.requestId !== answer.requestId)) {
      problems.push(`error without the request id ${answer.requestId}`);
    }
    if (problems.length > 0) failures[op.name] = problems;
  }
  expect(failures).toEqual({});
});

test('over HTTP, malformed bodies, batches, CSRF-style and oversized requests are coded errors', async () => {
  const failures: Record<string, string[]> = {};
  for (const t of transport) {
    const answer: RawAnswer = await rawRequest(`${stack.gateway.url}${t.path ?? ''}`, {
      method: t.method,
      body: t.body,
      headers: t.headers ?? { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    const problems = problemsWith(answer);
    const wanted = EXPECTED[t.name];
    const got = { status: answer.status, code: answer.json?.errors?.[0]?.extensions?.code };
    if (wanted && (wanted.status !== got.status || wanted.code !== got.code))
      problems.push(`wanted ${JSON.stringify(wanted)}, got ${JSON.stringify(got)}`);
    if (problems.length > 0) failures[t.name] = problems;
  }
  expect(failures).toEqual({});
});

// The answers a client should get for the classic cases (the rest only need to be coded refusals).
const EXPECTED: Record<string, { status: number; code: string }> = {
  'malformed JSON #1': { status: 400, code: 'BAD_REQUEST' },
  'batched pair': { status: 400, code: 'BATCHING_NOT_SUPPORTED' },
  'batched 100': { status: 400, code: 'BATCHING_NOT_SUPPORTED' },
  '200 kB body': { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  'CSRF: text/plain POST': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  'CSRF: simple GET': { status: 400, code: 'BAD_REQUEST' },
  'Bearer garbage': { status: 401, code: 'UNAUTHENTICATED' },
};

test('over graphql-ws, every hostile operation is refused on its subscribe with a code; the socket stays usable', async () => {
  const socket = await RawSocket.connect(stack.gateway.wsUrl, `Bearer ${token}`);
  const failures: Record<string, string[]> = {};
  for (const [i, op] of operations.entries()) {
    if (op.notGraphQLWs) continue; // not a valid graphql-ws message at all: see the protocol test below
    const { messages, closed } = await socket.operation(String(i), {
      query: op.query,
      ...(op.variables !== undefined ? { variables: op.variables } : {}),
      ...(op.operationName !== undefined ? { operationName: op.operationName } : {}),
    });
    const problems: string[] = [];
    if (closed) problems.push(`socket closed ${JSON.stringify(closed)}`);
    // graphql-ws answers a refused operation with `error` (a list of errors) and an executed one with `next` ({ errors }).
    const errors = messages.flatMap((m) =>
      m.type === 'error'
        ? (m.payload as { extensions?: { code?: unknown } }[])
        : m.type === 'next'
          ? ((m.payload as { errors?: { extensions?: { code?: unknown } }[] }).errors ?? [])
          : [],
    );
    if (errors.length === 0) problems.push(`no errors: ${JSON.stringify(messages).slice(0, 200)}`);
    for (const e of errors) {
      if (typeof e.extensions?.code !== 'string' || e.extensions.code === 'INTERNAL_SERVER_ERROR')
        problems.push(`bad error ${JSON.stringify(e).slice(0, 200)}`);
    }
    const leak = leakIn(JSON.stringify(messages));
    if (leak) problems.push(`leaks ${leak}`);
    if (problems.length > 0) failures[op.name] = problems;
    if (closed) break;
  }
  socket.close();
  expect(failures).toEqual({});
});

test('graphql-ws protocol abuse closes the socket with a 44xx code', async () => {
  const closeCode = async (script: (s: RawSocket) => void) => {
    const s = await RawSocket.open(stack.gateway.wsUrl);
    script(s);
    await s.until(() => s.closed !== undefined);
    return s.closed!.code;
  };
  expect(await closeCode((s) => s.send({ type: 'connection_init', payload: { authorization: 'Bearer forged' } }))).toBe(4403);
  // No token at all is an anonymous connection (public stock updates, issue 5): it may do what an
  // anonymous HTTP request may, and order subscriptions answer UNAUTHENTICATED.
  const anonymous = await RawSocket.open(stack.gateway.wsUrl);
  anonymous.send({ type: 'connection_init', payload: {} });
  await anonymous.until(
    () => anonymous.messages.some((m) => (m as { type: string }).type === 'connection_ack') || anonymous.closed !== undefined,
  );
  expect(anonymous.closed).toBeUndefined();
  const refused = await anonymous.operation('1', { query: 'subscription { orderStatusChanged { id } }' });
  expect(JSON.stringify(refused.messages)).toContain('UNAUTHENTICATED');
  anonymous.close();
  expect(await closeCode(() => undefined)).toBe(4408); // no connection_init within the init timeout
  expect(await closeCode((s) => s.send('{not json'))).toBe(4400);
  expect(await closeCode((s) => s.send({ type: 'subscribe', id: '1', payload: { query: '{ me { id } }' } }))).toBe(4401);
  expect(await closeCode((s) => s.send({ type: 'launch_missiles' }))).toBe(4400);
  // A subscribe whose payload breaks the protocol's types (query not a string, variables not an object…) is an invalid message.
  for (const op of operations.filter((o) => o.notGraphQLWs)) {
    const code = await closeCode((s) => {
      s.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      s.send({ type: 'subscribe', id: '1', payload: { query: op.query, variables: op.variables, operationName: op.operationName } });
    });
    expect({ op: op.name, code }).toEqual({ op: op.name, code: 4400 });
  }
  expect(
    await closeCode((s) => {
      s.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      s.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    }),
  ).toBe(4429);
  // A message over the size cap (100 kB) is refused by the WebSocket layer itself (1009 Message Too Big).
  expect(await closeCode((s) => s.send({ type: 'connection_init', payload: { authorization: big(200_000) } }))).toBe(1009);
});

test('the databases are exactly as before the corpus', async () => {
  expect(await databaseFingerprint(stack.urls)).toEqual(before);
});

test('with NODE_ENV=production: no introspection, no field suggestions, no Sandbox', async () => {
  const production = await stack.startAnotherGateway({ production: true });
  const ask = (query: string) =>
    rawRequest(production.url, {
      body: JSON.stringify({ query }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
  const introspection = await ask('{ __schema { types { name } } }');
  expect(introspection.json?.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(introspection.json?.data).toBeUndefined();
  const typo = await ask('{ me { usernam } }');
  expect(typo.json?.errors?.[0]?.message).not.toMatch(/Did you mean/);
  expect(typo.json?.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  // Over graphql-ws as well.
  const socket = await RawSocket.connect(production.wsUrl, `Bearer ${token}`);
  const { messages } = await socket.operation('1', { query: '{ me { usernam } }' });
  expect(JSON.stringify(messages)).not.toMatch(/Did you mean/);
  const schemaOverWs = await socket.operation('2', { query: '{ __schema { types { name } } }' });
  expect(schemaOverWs.messages.map((m) => m.type)).toEqual(['error']);
  expect(new Set((schemaOverWs.messages[0]!.payload as { extensions: { code: string } }[]).map((e) => e.extensions.code))).toEqual(
    new Set(['GRAPHQL_VALIDATION_FAILED']),
  );
  socket.close();
  const sandbox = await rawRequest(production.url, { method: 'GET', headers: { accept: 'text/html' } });
  expect(sandbox.text).not.toMatch(/sandbox/i);
  // In development the same typo gets a suggestion (control).
  const dev = await rawRequest(stack.gateway.url, {
    body: JSON.stringify({ query: '{ me { usernam } }' }),
    headers: { 'content-type': 'application/json' },
  });
  expect(dev.json?.errors?.[0]?.message).toMatch(/Did you mean/);
});
