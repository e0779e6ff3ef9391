import { loadCatalog } from '@commerce/seed-data';
import { databaseFingerprint, problemsWith, rawRequest, RawSocket, leakIn, type RawAnswer } from '../support/hostile';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

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

const nest = (levels: number, inner: string) =>
  `${'user { orders(first: 1) { edges { node { '.repeat(levels)}${inner}${' } } } }'.repeat(levels)}`;
const big = (n: number) => 'x'.repeat(n);

/** Operations refused by the gateway's checks or by a subgraph's input validation; the same list goes over both transports. */
const operations: { name: string; query: unknown; variables?: unknown; operationName?: unknown; notGraphQLWs?: true }[] = [
  // depth, aliases, tokens, directives, cost, fragment cycles
  { name: 'depth 50', query: `{ me { ${nest(13, 'id')} } }` },
  { name: 'depth 50 through fragments', query: `{ me { ...F } } fragment F on User { ${nest(13, 'id')} }` },
  { name: 'depth 13', query: `{ me { ${nest(3, 'id')} } }` },
  { name: '1,000 aliases', query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }` },
  { name: '16 aliases', query: `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }` },
  {
    name: '100 addToCart aliases',
    query: `mutation { ${Array.from({ length: 100 }, (_, i) => `a${i}: addToCart(productId: "1", quantity: 1) { id }`).join(' ')} }`,
  },
  {
    name: '20 login aliases',
    query: `mutation { ${Array.from({ length: 20 }, (_, i) => `a${i}: login(username: "emilys", password: "p${i}") { accessToken }`).join(' ')} }`,
  },
  { name: 'fragment cycle A→B→A', query: '{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }' },
  { name: 'fragment self-cycle', query: '{ me { ...A } } fragment A on User { id ...A }' },
  {
    name: 'fragment cycle through nested fields',
    query: '{ me { ...A } } fragment A on User { orders { edges { node { user { ...A } } } } }',
  },
  { name: '100 @include', query: `{ me { id ${'@include(if: true) '.repeat(100)}} }` },
  { name: '11 @skip', query: `{ me { id ${'@skip(if: false) '.repeat(11)}} }` },
  { name: 'unknown directive', query: '{ me { id @deleteEverything } }' },
  { name: '10,000 tokens', query: `{ me { ${'id '.repeat(10_000)}} }` },
  {
    name: 'cost bomb',
    query:
      '{ products(first: 100) { edges { node { reviews(first: 100) { edges { node { author { reviews(first: 100) { totalCount } } } } } } } } }',
  },
  // page sizes
  { name: 'first 101', query: '{ products(first: 101) { totalCount } }' },
  { name: 'first -1', query: '{ products(first: -1) { totalCount } }' },
  { name: 'first 1e9 as variable', query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: 1_000_000_000 } },
  { name: 'first as a string variable', query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: '10' } },
  { name: 'nested first 1000', query: '{ me { orders(first: 1000) { totalCount } } }' },
  // parse failures and malformed payloads
  { name: 'empty query', query: '' },
  { name: 'whitespace query', query: '   ' },
  { name: 'comment only', query: '# nothing' },
  { name: 'empty selection', query: '{}' },
  { name: 'unclosed brace', query: '{ me { id }' },
  { name: 'query is a number', query: 42, notGraphQLWs: true },
  { name: 'query is an array', query: ['{ me { id } }'], notGraphQLWs: true },
  { name: 'query is an object', query: { me: 'id' }, notGraphQLWs: true },
  { name: 'query is null', query: null, notGraphQLWs: true },
  { name: 'variables is a string', query: '{ me { id } }', variables: 'x', notGraphQLWs: true },
  { name: 'variables is an array', query: '{ me { id } }', variables: [1], notGraphQLWs: true },
  { name: 'operationName is a number', query: '{ me { id } }', operationName: 7, notGraphQLWs: true },
  { name: 'unknown operationName', query: 'query A { me { id } }', operationName: 'B' },
  { name: 'two operations, no name', query: 'query A { me { id } } query B { me { id } }' },
  { name: 'unknown field', query: '{ me { passwordHash } }' },
  { name: 'internal field', query: 'mutation { commitCheckout(userId: "1", orderId: "x", lines: []) }' },
  { name: 'internal entities field', query: '{ _entities(representations: [{ __typename: "User", id: "1" }]) { __typename } }' },
  // wrong types and numbers
  { name: 'quantity as a string literal', query: 'mutation { addToCart(productId: "1", quantity: "2") { id } }' },
  { name: 'quantity 1.5', query: 'mutation { addToCart(productId: "1", quantity: 1.5) { id } }' },
  { name: 'quantity 2^31', query: 'mutation { addToCart(productId: "1", quantity: 2147483648) { id } }' },
  { name: 'quantity 0', query: 'mutation { addToCart(productId: "1", quantity: 0) { id } }' },
  { name: 'quantity -5', query: 'mutation { addToCart(productId: "1", quantity: -5) { id } }' },
  { name: 'quantity 100', query: 'mutation { addToCart(productId: "1", quantity: 100) { id } }' },
  ...[1.5, -1, 0, 100, 1e20, 'abc', true, null, {}, [], '1'].map((q) => ({
    name: `quantity variable ${JSON.stringify(q)}`,
    query: 'mutation($q: Int!) { addToCart(productId: "1", quantity: $q) { id } }',
    variables: { q },
  })),
  { name: 'productId -1', query: 'mutation { addToCart(productId: "-1", quantity: 1) { id } }' },
  { name: 'productId 1e30', query: 'mutation { addToCart(productId: "1000000000000000000000000000000", quantity: 1) { id } }' },
  { name: 'productId fullwidth digits', query: 'mutation { addToCart(productId: "１２", quantity: 1) { id } }' },
  { name: 'productId unknown', query: 'mutation { addToCart(productId: "999999", quantity: 1) { id } }' },
  { name: 'updateCartItem quantity 1000', query: 'mutation { updateCartItem(productId: "1", quantity: 1000) { id } }' },
  { name: 'remove a line not in the cart', query: 'mutation { updateCartItem(productId: "2", quantity: 1) { id } }' },
  // giant strings
  { name: '90 kB productId', query: 'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }', variables: { p: big(90_000) } },
  {
    name: '90 kB login',
    query: 'mutation($u: String!) { login(username: $u, password: "x") { accessToken } }',
    variables: { u: big(90_000) },
  },
  {
    name: '90 kB password',
    query: 'mutation($p: String!) { login(username: "emilys", password: $p) { accessToken } }',
    variables: { p: big(90_000) },
  },
  {
    name: '256-character idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: big(256) },
  },
  { name: 'empty idempotency key', query: 'mutation { checkout(input: { idempotencyKey: "" }) { order { id } } }' },
  {
    name: '90 kB register fields',
    query:
      'mutation($f: String!) { register(input: { username: "abcdef", email: "a@b.co", password: "long enough pw", firstName: $f, lastName: "x" }) { accessToken } }',
    variables: { f: big(90_000) },
  },
  // control and unicode characters
  {
    name: 'NUL in login',
    query: 'mutation($u: String!) { login(username: $u, password: "x") { accessToken } }',
    variables: { u: 'emilys\u0000' },
  },
  {
    name: 'NUL in idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: 'a\u0000b' },
  },
  {
    name: 'escape sequence in idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: '\u001b[31mred' },
  },
  {
    name: 'lone surrogate in idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: 'a\ud800b' },
  },
  {
    name: 'NUL in register name',
    query:
      'mutation($f: String!) { register(input: { username: "newbie1", email: "newbie1@example.com", password: "long enough pw", firstName: $f, lastName: "x" }) { accessToken } }',
    variables: { f: 'Ann\u0000' },
  },
  {
    name: 'RTL override in username',
    query:
      'mutation { register(input: { username: "adm\u202enimda", email: "rtl@example.com", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'emoji username',
    query:
      'mutation { register(input: { username: "😀😀😀", email: "emoji@example.com", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'invalid email',
    query:
      'mutation { register(input: { username: "mailless", email: "not-an-email", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'common password',
    query:
      'mutation { register(input: { username: "weakling", email: "weak@example.com", password: "password123", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'taken username',
    query:
      'mutation { register(input: { username: "emilys", email: "other@example.com", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  // SQL-looking input
  { name: 'SQL in login', query: `mutation { login(username: "' OR 1=1 --", password: "' OR ''='") { accessToken } }` },
  { name: 'SQL in productId', query: 'mutation { addToCart(productId: "1; DROP TABLE \\"Product\\"", quantity: 1) { id } }' },
  {
    name: 'SQL in payment token',
    query: `mutation { checkout(input: { idempotencyKey: "k1", paymentToken: "tok_'; DELETE FROM \\"Order\\" --" }) { order { id } } }`,
  },
  { name: 'SQL in cancelOrder id', query: `mutation { cancelOrder(id: "' OR '1'='1") { id } }` },
  { name: 'SQL in refresh token', query: `mutation { refreshToken(token: "' OR 1=1 --") { accessToken } }` },
  // authorization
  { name: 'ship as a customer', query: 'mutation { shipOrder(id: "00000000-0000-0000-0000-000000000000") { id } }' },
  {
    name: 'changePassword with a wrong current password',
    query: 'mutation { changePassword(currentPassword: "wrong", newPassword: "a new long password") }',
  },
];

const bodyOf = (op: (typeof operations)[number]) =>
  JSON.stringify({
    query: op.query,
    ...(op.variables !== undefined ? { variables: op.variables } : {}),
    ...(op.operationName !== undefined ? { operationName: op.operationName } : {}),
  });

/** Requests that break HTTP and JSON rather than GraphQL. */
const transport: { name: string; method?: string; path?: string; body?: string; headers?: Record<string, string> }[] = [
  ...[
    '{',
    '{"query":',
    'nul',
    '{"query":"{ me { id } }",}',
    '\u0000',
    '[',
    "{'query':'{ me { id } }'}",
    '{"query":"{ me { id } }"}}',
    '\ufeff{"query":1',
    '{"a":'.repeat(5_000),
  ].map((body, i) => ({
    name: `malformed JSON #${i + 1}`,
    body,
  })),
  ...['"a string"', '123', 'true', 'null', '{}', '{"variables":{}}'].map((body) => ({ name: `JSON that is not a request: ${body}`, body })),
  { name: 'batched pair', body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]) },
  { name: 'batched single', body: JSON.stringify([{ query: '{ me { id } }' }]) },
  { name: 'batched empty', body: '[]' },
  { name: 'batched 100', body: JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ me { id } }' }))) },
  { name: '200 kB body', body: JSON.stringify({ query: '{ me { id } }', variables: { x: big(200_000) } }) },
  {
    name: 'CSRF: text/plain POST',
    body: JSON.stringify({ query: 'mutation { clearCart { id } }' }),
    headers: { 'content-type': 'text/plain' },
  },
  {
    name: 'CSRF: form POST',
    body: 'query=mutation%20%7B%20clearCart%20%7B%20id%20%7D%20%7D',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  },
  {
    name: 'CSRF: multipart POST',
    body: '--b\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { clearCart { id } }\r\n--b--',
    headers: { 'content-type': 'multipart/form-data; boundary=b' },
  },
  { name: 'CSRF: no content type', body: JSON.stringify({ query: 'mutation { clearCart { id } }' }), headers: {} },
  { name: 'CSRF: simple GET', method: 'GET', path: '?query=%7B%20me%20%7B%20id%20%7D%20%7D', headers: {} },
  {
    name: 'GET mutation with preflight header',
    method: 'GET',
    path: '?query=mutation%20%7B%20clearCart%20%7B%20id%20%7D%20%7D',
    headers: { 'apollo-require-preflight': 'true' },
  },
  {
    name: 'GET malformed variables',
    method: 'GET',
    path: '?query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=%7B',
    headers: { 'apollo-require-preflight': 'true' },
  },
  { name: 'PUT', method: 'PUT', body: JSON.stringify({ query: '{ me { id } }' }) },
  { name: 'DELETE', method: 'DELETE' },
  {
    name: 'unsupported charset',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json; charset=latin1' },
  },
  { name: 'gzip garbage', body: 'not gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
  {
    name: 'Bearer garbage',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
  },
  {
    name: 'Basic auth',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json', authorization: 'Basic YWRtaW46YWRtaW4=' },
  },
  {
    name: '8 kB bearer',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${big(8_000)}` },
  },
];

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
