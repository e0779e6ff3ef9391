import { spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { bodyOf, operations, transport } from '../support/hostile-corpus';
import { problemsWith, rawRequest, sseHeaders, streamBody } from '../support/hostile';
import { startStack, type Stack } from '../support/stack';

/**
 * Issue 16's "no input can end a process": the gateway runs as its own process (gateway/src/main.ts),
 * gets every class of hostile input on every route — a 600 MB body behind the
 * `text/plain; x=application/json` trick, chunked bodies without Content-Length, a Content-Length
 * that lies, wrong types, malformed JSON — and must still answer, with the same pid.
 */

let stack: Stack;
let gateway: GatewayProcess;
const MB = 1 << 20;

beforeAll(async () => {
  stack = await startStack();
  gateway = await spawnGateway(stack);
}, 120_000);
afterAll(async () => {
  await gateway?.stop();
  await stack?.close();
});

const ROUTES = ['/graphql', '/graphql/stream', '/admin/queues/session', '/admin/queues/api/queues', '/health', '/nowhere'];
const stillUp = async () => {
  expect(gateway.child.exitCode).toBeNull();
  expect(gateway.child.signalCode).toBeNull();
  const health = await rawRequest(`${gateway.origin}/health`, { method: 'GET' });
  expect(health.status).toBe(200);
  const query = await rawRequest(`${gateway.origin}/graphql`, {
    body: JSON.stringify({ query: '{ products(first: 1) { totalCount } }' }),
    headers: { 'content-type': 'application/json' },
  });
  expect(query.json?.data).toEqual({ products: { totalCount: expect.any(Number) } });
};

test('a 600 MB body with the text/plain trick is refused (415) before it is read, on every route, and nothing dies', async () => {
  const pid = gateway.child.pid;
  for (const route of ['/graphql/stream', '/graphql', '/admin/queues/session']) {
    const answer = await streamBody(`${gateway.origin}${route}`, {
      totalBytes: 600 * MB,
      declaredLength: 600 * MB,
      headers: { 'content-type': 'text/plain; x=application/json', accept: 'text/event-stream', origin: 'https://evil.example' },
      prefix: '{"query":"mutation { logout }","x":"',
    });
    expect({ route, status: answer.status, code: answer.json?.errors?.[0]?.extensions?.code }).toEqual({
      route,
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    // Answered on the headers: far less than the body went out.
    expect(answer.bytesSent).toBeLessThan(600 * MB);
  }
  await stillUp();
  expect(gateway.child.pid).toBe(pid);
});

test('a 600 MB chunked JSON body (no Content-Length) is cut at the cap: 413 PAYLOAD_TOO_LARGE, on every JSON route', async () => {
  const pid = gateway.child.pid;
  const timings: Record<string, string> = {};
  for (const route of ['/graphql/stream', '/graphql', '/admin/queues/session']) {
    const answer = await streamBody(`${gateway.origin}${route}`, {
      totalBytes: 600 * MB,
      headers: sseHeaders(),
      prefix: '{"query":"{ __typename }","x":"',
    });
    timings[route] = `${answer.ms} ms, ${Math.round(answer.bytesSent / MB)} MB sent`;
    expect({ route, status: answer.status, code: answer.json?.errors?.[0]?.extensions?.code }).toEqual({
      route,
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
  }
  // A Content-Length that claims less than is sent: the bytes are counted, not the header.
  const lying = await streamBody(`${gateway.origin}/graphql/stream`, {
    totalBytes: 50 * MB,
    declaredLength: 50,
    headers: sseHeaders(),
    prefix: '{"query":"{ __typename }","x":"',
  }).catch((err: Error) => ({ status: 0, error: err.message }));
  // Node's HTTP parser ends the message after 50 bytes (invalid JSON: 400) and refuses the rest as a second request.
  expect([400, 0]).toContain(lying.status);
  console.log('600 MB chunked → 413:', timings);
  await stillUp();
  expect(gateway.child.pid).toBe(pid);
}, 180_000);

test('wrong types, malformed JSON and the whole hostile corpus on every route answer coded errors; the process survives', async () => {
  const pid = gateway.child.pid;
  const failures: Record<string, string[]> = {};
  const bodies = [
    ...transport.filter((t) => t.body !== undefined).map((t) => ({ name: t.name, body: t.body!, headers: t.headers })),
    ...operations.slice(0, 30).map((op) => ({ name: op.name, body: bodyOf(op), headers: undefined })),
  ];
  for (const route of ROUTES) {
    for (const b of bodies) {
      const answer = await rawRequest(`${gateway.origin}${route}`, {
        body: b.body,
        headers: b.headers ?? sseHeaders(undefined, { 'apollo-require-preflight': 'true' }),
      });
      // The dashboard answers its own 401/403 JSON ({ error }) to a well-formed request without a token.
      if (route.startsWith('/admin') && (answer.status === 401 || answer.status === 403)) continue;
      // graphql-sse answers an accepted operation with an event stream; anything else must be a coded refusal.
      if (route === '/graphql/stream' && answer.status === 200) continue;
      if (route === '/graphql' && answer.status === 200 && answer.json?.errors) continue;
      const problems = problemsWith(answer);
      if (problems.length > 0) failures[`${route} ${b.name}`] = problems;
    }
  }
  expect(failures).toEqual({});
  await stillUp();
  expect(gateway.child.pid).toBe(pid);
}, 180_000);
