import { createHash } from 'node:crypto';
import { loadCatalog } from '@commerce/seed-data';
import type { RunningGateway } from '@commerce/gateway';
import { big, bodyOf, operations } from '../support/hostile-corpus';
import { databaseFingerprint, problemsWith, rawRequest, RawSocket, sseHeaders, type RawAnswer } from '../support/hostile';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/**
 * The SSE transport (`/graphql/stream`, graphql-sse) against hostile clients, beside the HTTP and
 * graphql-ws suite (hostile-requests.test.ts), and issue 16's HTTP perimeter items: body limit
 * and content types, CSRF, coded refusals, persisted-query codes, and the same answer over HTTP,
 * graphql-ws and SSE for every perimeter rule.
 */

let stack: Stack;
let token: string;
let before: Record<string, string>;
const customers: string[] = [];

beforeAll(async () => {
  const catalog = await loadCatalog();
  stack = await startStack();
  const users = catalog.users.filter((u) => u.role === 'user');
  token = await mintAccessToken({ userId: users[0]!.id, role: 'CUSTOMER' });
  for (const u of users.slice(1, 4)) customers.push(await mintAccessToken({ userId: u.id, role: 'CUSTOMER' }));
  before = await databaseFingerprint(stack.urls);
});
afterAll(() => stack?.close());

type Extensions = { code?: unknown; requestId?: unknown; retryAfterSeconds?: unknown };
const extensionsOf = (answer: RawAnswer) => (answer.json?.errors ?? []).map((e) => e.extensions as Extensions);
const codeOf = (answer: RawAnswer) => extensionsOf(answer)[0]?.code;
const sse = (init: { method?: string; body?: string; headers?: Record<string, string>; path?: string }) =>
  rawRequest(`${stack.gateway.sseUrl}${init.path ?? ''}`, { method: init.method ?? 'POST', body: init.body, headers: init.headers });
const query = (q: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query: q, ...extra });

describe('item 1: one body limit and content-type policy', () => {
  test.each([
    ['3 MB', 3_000_000],
    ['30 MB', 30_000_000],
  ])('a %s body as `text/plain; x=application/json` is 415 on SSE (it was 200 past the cap)', async (_name, size) => {
    const answer = await sse({
      body: query('{ __typename }', { x: big(size) }),
      headers: { 'content-type': 'text/plain; x=application/json', accept: 'text/event-stream' },
    });
    expect({ status: answer.status, code: codeOf(answer) }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  test('a JSON body over the cap is 413 PAYLOAD_TOO_LARGE on SSE, /graphql and the dashboard alike, with the request id', async () => {
    const body = query('{ __typename }', { x: big(200_000) });
    for (const url of [stack.gateway.sseUrl, stack.gateway.url, stack.gateway.url.replace('/graphql', '/admin/queues/session')]) {
      const answer = await rawRequest(url, { body, headers: sseHeaders(undefined, { 'x-request-id': 'big-body-1' }) });
      expect({ url, status: answer.status, code: codeOf(answer), id: extensionsOf(answer)[0]?.requestId }).toEqual({
        url,
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        id: 'big-body-1',
      });
    }
  });

  test('a body on a route that takes none, a body without a content type, or a form on /graphql are 415', async () => {
    const health = await rawRequest(stack.gateway.url.replace('/graphql', '/health'), {
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect({ status: health.status, code: codeOf(health) }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const untyped = await sse({ body: query('{ __typename }'), headers: { accept: 'text/event-stream', 'content-type': '' } });
    expect(untyped.status).toBe(415);
    const form = await rawRequest(stack.gateway.url, {
      body: 'query=%7B__typename%7D',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'apollo-require-preflight': 'true' },
    });
    expect({ status: form.status, code: codeOf(form) }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const missing = await rawRequest(stack.gateway.url.replace('/graphql', '/nowhere'), { method: 'GET' });
    expect({ status: missing.status, code: codeOf(missing) }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('item 2: the CSRF rules of HTTP on SSE', () => {
  const register = query(
    'mutation { register(input: { username: "csrfvictim", email: "csrf@example.com", password: "long enough pw", firstName: "a", lastName: "b" }) { user { id } } }',
  );

  test('a cross-origin simple request cannot run a mutation over SSE', async () => {
    for (const type of [
      'text/plain; x=application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=b',
    ]) {
      const answer = await sse({
        body: register,
        headers: { 'content-type': type, accept: 'text/event-stream', origin: 'https://evil.example' },
      });
      expect({ type, status: answer.status, code: codeOf(answer) }).toEqual({ type, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    expect(await databaseFingerprint(stack.urls)).toEqual(before);
  });

  test('GET needs a preflight header, as on /graphql; with one it streams', async () => {
    const path = `?query=${encodeURIComponent('{ __typename }')}`;
    const simple = await sse({ method: 'GET', path, headers: { accept: 'text/event-stream', origin: 'https://evil.example' } });
    expect({ status: simple.status, code: codeOf(simple) }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(simple.text).toMatch(/Cross-Site Request Forgery/);
    for (const header of ['apollo-require-preflight', 'x-apollo-operation-name']) {
      const ok = await sse({ method: 'GET', path, headers: { accept: 'text/event-stream', [header]: '1' } });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('"__typename":"Query"');
    }
  });
});

describe('items 3 and 4: every SSE refusal carries a code and the request id', () => {
  const preflight = { 'apollo-require-preflight': 'true' };
  const cases: {
    name: string;
    method?: string;
    path?: string;
    body?: string;
    headers?: Record<string, string>;
    status: number;
    code: string;
  }[] = [
    { name: 'Missing query (POST {})', body: '{}', status: 400, code: 'BAD_REQUEST' },
    { name: 'Missing body', body: undefined, status: 400, code: 'BAD_REQUEST' },
    { name: 'Missing query (GET)', method: 'GET', path: '?variables=%7B%7D', status: 400, code: 'BAD_REQUEST' },
    { name: 'Invalid query', body: JSON.stringify({ query: 42 }), status: 400, code: 'BAD_REQUEST' },
    { name: 'Invalid variables (GET)', method: 'GET', path: '?query=%7B__typename%7D&variables=%5B1%5D', status: 400, code: 'BAD_REQUEST' },
    { name: 'Unparsable URL', method: 'GET', path: '?query=%7B__typename%7D&variables=%7B', status: 400, code: 'BAD_REQUEST' },
    {
      name: 'Cannot perform mutations over GET',
      method: 'GET',
      path: `?query=${encodeURIComponent('mutation { logout }')}`,
      status: 405,
      code: 'BAD_REQUEST',
    },
    {
      name: 'Stream not found (accept: application/json)',
      body: query('{ __typename }'),
      headers: { accept: 'application/json' },
      status: 404,
      code: 'NOT_FOUND',
    },
    { name: 'Stream not found (DELETE)', method: 'DELETE', headers: { accept: 'application/json' }, status: 404, code: 'NOT_FOUND' },
    { name: 'single connection mode (PUT)', method: 'PUT', status: 405, code: 'METHOD_NOT_ALLOWED' },
    {
      name: 'single connection mode (token header)',
      body: query('{ __typename }'),
      headers: { 'x-graphql-event-stream-token': 'abc' },
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    },
    { name: 'single connection mode (token param)', method: 'GET', path: '?token=abc', status: 405, code: 'METHOD_NOT_ALLOWED' },
    { name: 'malformed JSON', body: '{"query":', status: 400, code: 'BAD_REQUEST' },
    { name: 'batched', body: JSON.stringify([{ query: '{ __typename }' }]), status: 400, code: 'BATCHING_NOT_SUPPORTED' },
    {
      name: 'bad token',
      body: query('{ __typename }'),
      headers: { authorization: 'Bearer not.a.jwt' },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'persisted query without a query',
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
      status: 400,
      code: 'PERSISTED_QUERY_NOT_SUPPORTED',
    },
  ];

  test.each(cases)('$name → $status $code', async (c) => {
    const answer = await sse({
      method: c.method,
      path: c.path,
      body: c.body,
      headers: { ...sseHeaders(undefined, preflight), 'x-request-id': 'sse-refusal', ...c.headers },
    });
    expect({ status: answer.status, codes: extensionsOf(answer).map((e) => e.code) }).toEqual({ status: c.status, codes: [c.code] });
    expect(extensionsOf(answer).map((e) => e.requestId)).toEqual(['sse-refusal']);
    expect(problemsWith(answer).filter((p) => !p.startsWith('status'))).toEqual([]);
  });

  test('the whole hostile corpus over SSE: a coded refusal or a stream of coded errors, never a 5xx or a leak', async () => {
    const failures: Record<string, string[]> = {};
    for (const op of operations) {
      const answer = await sse({ body: bodyOf(op), headers: sseHeaders(token) });
      let problems: string[];
      if (answer.status === 200) {
        // An executed operation: its `next` event holds the errors.
        const events = answer.text
          .split('\n')
          .filter((l) => l.startsWith('data: ') && l !== 'data: ')
          .map((l) => JSON.parse(l.slice(6)) as { errors?: { message: string; extensions?: { code?: unknown } }[] });
        const errors = events.flatMap((e) => e.errors ?? []);
        problems = problemsWith({ ...answer, json: { errors } });
      } else {
        problems = problemsWith(answer);
        if (extensionsOf(answer).some((e) => e.requestId !== answer.requestId)) problems.push('error without the request id');
      }
      if (problems.length > 0) failures[op.name] = problems;
    }
    expect(failures).toEqual({});
    expect(await databaseFingerprint(stack.urls)).toEqual(before);
  });
});

describe('item 6: persisted-query mistakes carry the codes Apollo clients act on', () => {
  const q = '{ __typename }';
  const hash = createHash('sha256').update(q).digest('hex');
  const post = (body: unknown) =>
    rawRequest(stack.gateway.url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  test.each([
    ['unknown hash', { extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }, 200, 'PERSISTED_QUERY_NOT_FOUND'],
    [
      'hash that does not match the query',
      { query: q, extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } },
      400,
      'BAD_REQUEST',
    ],
    ['version 2', { query: q, extensions: { persistedQuery: { version: 2, sha256Hash: hash } } }, 400, 'PERSISTED_QUERY_NOT_SUPPORTED'],
    ['persistedQuery a string', { query: q, extensions: { persistedQuery: 'x' } }, 400, 'BAD_REQUEST'],
    ['sha256Hash a number', { extensions: { persistedQuery: { version: 1, sha256Hash: 5 } } }, 400, 'BAD_REQUEST'],
  ])('%s', async (_name, body, status, code) => {
    const answer = await post(body);
    expect({ status: answer.status, code: codeOf(answer) }).toEqual({ status, code });
  });

  test('the APQ round trip works: not found, registered with the query, then served by hash (POST and GET)', async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    expect(codeOf(await post({ extensions }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post({ query: q, extensions })).json?.data).toEqual({ __typename: 'Query' });
    expect((await post({ extensions })).json?.data).toEqual({ __typename: 'Query' });
    const get = await rawRequest(`${stack.gateway.url}?extensions=${encodeURIComponent(JSON.stringify(extensions))}`, {
      method: 'GET',
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.json?.data).toEqual({ __typename: 'Query' });
    const badGet = await rawRequest(
      `${stack.gateway.url}?query=${encodeURIComponent(q)}&extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 2, sha256Hash: hash } }))}`,
      { method: 'GET', headers: { 'apollo-require-preflight': 'true' } },
    );
    expect({ status: badGet.status, code: codeOf(badGet) }).toEqual({ status: 400, code: 'PERSISTED_QUERY_NOT_SUPPORTED' });
  });
});

describe('the same refusal over HTTP, graphql-ws and SSE, rule by rule', () => {
  const named = (name: string) => {
    const op = operations.find((o) => o.name === name);
    if (!op) throw new Error(`no corpus operation ${name}`);
    return op;
  };
  const rules: { rule: string; op: { query: unknown; operationName?: unknown; variables?: unknown }; code: string }[] = [
    { rule: 'depth', op: named('depth 13'), code: 'GRAPHQL_VALIDATION_FAILED' },
    { rule: 'aliases', op: named('16 aliases'), code: 'GRAPHQL_VALIDATION_FAILED' },
    { rule: 'directives', op: named('11 @skip'), code: 'GRAPHQL_VALIDATION_FAILED' },
    { rule: 'tokens', op: named('10,000 tokens'), code: 'GRAPHQL_PARSE_FAILED' },
    { rule: 'cost', op: named('cost bomb'), code: 'GRAPHQL_VALIDATION_FAILED' },
    { rule: 'page size', op: named('first 101'), code: 'BAD_USER_INPUT' },
    { rule: 'page size (variable)', op: named('first 1e9 as variable'), code: 'BAD_USER_INPUT' },
    { rule: 'unknown operationName', op: named('unknown operationName'), code: 'OPERATION_RESOLUTION_FAILURE' },
  ];

  async function overEveryTransport(
    op: { query: unknown; operationName?: unknown; variables?: unknown },
    bearer: string,
    via: RunningGateway,
  ) {
    const body = JSON.stringify(op);
    const http = await rawRequest(via.url, {
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, 'x-request-id': 'side-by-side' },
    });
    const sseAnswer = await rawRequest(via.sseUrl, { body, headers: sseHeaders(bearer, { 'x-request-id': 'side-by-side' }) });
    const socket = await RawSocket.connect(via.wsUrl, `Bearer ${bearer}`);
    const { messages } = await socket.operation('1', op);
    socket.close();
    const wsErrors = messages.filter((m) => m.type === 'error').flatMap((m) => m.payload as { extensions: Extensions }[]);
    return { http, sse: sseAnswer, ws: wsErrors.map((e) => e.extensions) };
  }

  test.each(rules)('$rule: $code on every transport, with the same status and request id on HTTP and SSE', async ({ op, code }) => {
    const { http, sse: sseAnswer, ws } = await overEveryTransport(op, token, stack.gateway);
    expect(extensionsOf(http).map((e) => e.code)).toContain(code);
    expect(extensionsOf(sseAnswer).map((e) => e.code)).toEqual(extensionsOf(http).map((e) => e.code));
    expect(ws.map((e) => e.code)).toEqual(extensionsOf(http).map((e) => e.code));
    expect(sseAnswer.status).toBe(http.status);
    expect(extensionsOf(http).map((e) => e.requestId)).toEqual(extensionsOf(http).map(() => 'side-by-side'));
    expect(extensionsOf(sseAnswer).map((e) => e.requestId)).toEqual(extensionsOf(sseAnswer).map(() => 'side-by-side'));
    for (const e of ws) expect(e.requestId).toEqual(expect.any(String));
  });

  test('rate limit: RATE_LIMITED with retryAfterSeconds on every transport (429 and Retry-After on HTTP and SSE)', async () => {
    const limited = await stack.startAnotherGateway({
      rateLimits: { perUser: { points: 2, durationSeconds: 60 }, perIp: { points: 1_000, durationSeconds: 60 } },
    });
    const op = { query: '{ __typename }' };
    const [httpUser, sseUser, wsUser] = customers as [string, string, string];
    const spend = async (bearer: string) => {
      for (let i = 0; i < 2; i++) await stack.gql('{ __typename }', {}, bearer, limited);
    };
    await spend(httpUser);
    const http = await rawRequest(limited.url, {
      body: JSON.stringify(op),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${httpUser}` },
    });
    await spend(sseUser);
    const sseAnswer = await rawRequest(limited.sseUrl, { body: JSON.stringify(op), headers: sseHeaders(sseUser) });
    await spend(wsUser);
    const socket = await RawSocket.connect(limited.wsUrl, `Bearer ${wsUser}`);
    const { messages } = await socket.operation('1', op);
    socket.close();
    const ws = (messages[0]?.payload as { extensions: Extensions }[] | undefined)?.[0]?.extensions;
    for (const [transport, ext] of [
      ['http', extensionsOf(http)[0]],
      ['sse', extensionsOf(sseAnswer)[0]],
      ['ws', ws],
    ] as const) {
      expect({ transport, code: ext?.code, retry: ext?.retryAfterSeconds }).toEqual({
        transport,
        code: 'RATE_LIMITED',
        retry: expect.any(Number),
      });
      expect(ext!.requestId).toEqual(expect.any(String));
    }
    expect([http.status, sseAnswer.status]).toEqual([429, 429]);
    expect(Number(sseAnswer.retryAfter)).toBe(extensionsOf(sseAnswer)[0]?.retryAfterSeconds);
    expect(Number(http.retryAfter)).toBe(extensionsOf(http)[0]?.retryAfterSeconds);
    await stack.stopGateway(limited);
  });

  test('bad token: 401 UNAUTHENTICATED on HTTP and SSE; graphql-ws closes with 4403 and reason UNAUTHENTICATED', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const http = await rawRequest(stack.gateway.url, {
      body,
      headers: { 'content-type': 'application/json', authorization: 'Bearer forged.token.here' },
    });
    const sseAnswer = await rawRequest(stack.gateway.sseUrl, { body, headers: sseHeaders('forged.token.here') });
    expect([http.status, codeOf(http)]).toEqual([401, 'UNAUTHENTICATED']);
    expect([sseAnswer.status, codeOf(sseAnswer)]).toEqual([401, 'UNAUTHENTICATED']);
    expect(extensionsOf(sseAnswer)[0]?.requestId).toBe(sseAnswer.requestId);
    const socket = await RawSocket.open(stack.gateway.wsUrl);
    socket.send({ type: 'connection_init', payload: { authorization: 'Bearer forged.token.here' } });
    await socket.until(() => socket.closed !== undefined);
    expect(socket.closed).toEqual({ code: 4403, reason: 'UNAUTHENTICATED' });
  });
});
