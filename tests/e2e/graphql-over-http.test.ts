import { serverAudits } from 'graphql-http';
import { startStack, type Stack } from '../support/stack';

/**
 * The GraphQL over HTTP spec audit (graphql-http's `serverAudits`) against the running gateway:
 * every MUST passes, and so does every SHOULD — including the three about answering 200 to a client
 * that accepts only `application/json` when its document does not parse or validate or its
 * variables do not coerce (gateway/src/perimeter/graphql-over-http.ts).
 * MAYs are reported, not required: "MAY accept application/x-www-form-urlencoded formatted GET
 * requests" fails by design, since Apollo Server's CSRF prevention refuses a GET without an
 * `apollo-require-preflight` or `x-apollo-operation-name` header (a cross-site page could send it).
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

test('every MUST and SHOULD of graphql-http serverAudits passes', async () => {
  const audits = serverAudits({ url: () => stack.gateway.url });
  const results = await Promise.all(audits.map(async (audit) => ({ name: audit.name, result: await audit.fn() })));
  const failed = results
    .filter(({ name, result }) => result.status !== 'ok' && !name.startsWith('MAY'))
    .map(({ name, result }) => `${name}: ${'reason' in result ? result.reason : result.status}`);
  expect(failed).toEqual([]);
  // The audit ran: the POST MUSTs are among the results and passed.
  expect(results.filter((r) => r.name.startsWith('MUST')).length).toBeGreaterThan(10);
});

test('the status follows the accepted media type: 400 for graphql-response+json, */* or no accept; 200 for application/json only', async () => {
  const statusFor = async (accept: string | undefined) => {
    const response = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    return [response.status, body.errors?.[0]?.extensions?.code];
  };
  expect(await statusFor('application/json')).toEqual([200, 'GRAPHQL_VALIDATION_FAILED']);
  expect(await statusFor('application/graphql-response+json')).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  expect(await statusFor('application/graphql-response+json, application/json')).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  expect(await statusFor('*/*')).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  expect(await statusFor(undefined)).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
});
