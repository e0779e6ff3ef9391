import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { ApolloGateway } from '@apollo/gateway';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isAbstractType,
  type GraphQLInputType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { composeSupergraph, type RunningGateway } from '@commerce/gateway';
import { loadCatalog } from '@commerce/seed-data';
import { problemsWith, rawRequest } from '../support/hostile';
import { startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/**
 * Property-based fuzzing of operations generated from the supergraph's API schema: whatever the
 * operation, no 5xx, no leak, every error coded — and an operation the gateway refuses (parse,
 * validation, limits) never reaches a subgraph, which the counting proxies in front of each
 * subgraph prove.
 */

let stack: Stack;
let gateway: RunningGateway;
let schema: GraphQLSchema;
let token: string;
let subgraphCalls = 0;
const proxies: http.Server[] = [];

/** An HTTP proxy to `target` that counts what passes through it. */
async function countingProxy(target: string): Promise<string> {
  const server = http.createServer(async (req, res) => {
    subgraphCalls += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(k)),
    ) as Record<string, string>;
    try {
      const upstream = await fetch(target, { method: req.method, headers, body: Buffer.concat(chunks) });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      console.error('proxy failed', err);
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxies.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  const catalog = await loadCatalog();
  stack = await startStack();
  const urls = Object.fromEntries(
    await Promise.all(Object.entries(stack.subgraphs).map(async ([name, s]) => [name, await countingProxy(s.url)] as const)),
  ) as Record<keyof Stack['subgraphs'], string>;
  const supergraphSdl = composeSupergraph(urls);
  gateway = await stack.startAnotherGateway({ supergraphSdl });
  schema = (await new ApolloGateway({ supergraphSdl }).load()).schema;
  const customer = catalog.users.find((u) => u.role === 'user')!;
  token = await mintAccessToken({ userId: customer.id, role: 'CUSTOMER' });
});
afterAll(async () => {
  await stack?.close();
  await Promise.all(proxies.map((p) => new Promise((r) => p.close(r))));
});

type Gen = fc.GeneratorValue;

const HOSTILE_STRINGS = [
  '',
  ' ',
  "' OR 1=1 --",
  '\u0000',
  '\u202e',
  '😀',
  'x'.repeat(5_000),
  '{"a":1}',
  '../../etc/passwd',
  '1e309',
  '-1',
  '١٢٣',
];

/** A literal for `type`: usually well-typed, sometimes hostile (wrong kind, out of range, odd text). */
function literal(type: GraphQLInputType, g: Gen, depth = 0): string {
  if (g(fc.integer, { min: 0, max: 19 }) === 0) {
    return g(fc.constantFrom, 'null', '"wrong kind"', '2147483648', '-1', '1.5', '[1, 2]', '{ a: 1 }', 'true', 'ENUM_THAT_IS_NOT');
  }
  if (isNonNullType(type)) return literal(type.ofType, g, depth);
  if (isListType(type))
    return depth > 2
      ? '[]'
      : `[${Array.from({ length: g(fc.integer, { min: 0, max: 3 }) }, () => literal(type.ofType, g, depth + 1)).join(', ')}]`;
  if (isEnumType(type)) return g(fc.constantFrom, ...type.getValues().map((v) => v.name));
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || g(fc.boolean));
    return depth > 2 ? '{}' : `{ ${fields.map((f) => `${f.name}: ${literal(f.type, g, depth + 1)}`).join(', ')} }`;
  }
  switch (getNamedType(type).name) {
    case 'Int':
      return String(g(() => fc.oneof(fc.integer({ min: -5, max: 120 }), fc.integer())));
    case 'Float':
      return String(g(fc.double, { noNaN: true, noDefaultInfinity: true }));
    case 'Boolean':
      return String(g(fc.boolean));
    default:
      return JSON.stringify(
        g(() => fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 30 }), fc.integer({ min: 1, max: 200 }).map(String))),
      );
  }
}

/** A selection set on `type`, `depth` levels deep at most, with aliases and directives now and then. */
function selection(type: GraphQLNamedType, g: Gen, depth: number): string {
  if (isLeafType(type)) return '';
  if (isAbstractType(type)) {
    const options = schema.getPossibleTypes(type);
    const pick = options[g(fc.integer, { min: 0, max: options.length - 1 })]!;
    return `{ __typename ... on ${pick.name} ${selection(pick, g, depth)} }`;
  }
  if (!isObjectType(type)) return '';
  const fields = Object.values(type.getFields());
  const chosen = Array.from(
    { length: g(fc.integer, { min: 1, max: 4 }) },
    () => fields[g(fc.integer, { min: 0, max: fields.length - 1 })]!,
  );
  const parts = chosen.map((f: GraphQLField<unknown, unknown>, i) => {
    const named = getNamedType(f.type);
    const needsSelection = !isLeafType(named);
    if (needsSelection && depth <= 0) return '__typename';
    const alias = g(fc.integer, { min: 0, max: 4 }) === 0 ? `a${i}_${g(fc.integer, { min: 0, max: 99 })}: ` : '';
    const args = f.args.filter((a) => isNonNullType(a.type) || g(fc.boolean));
    const argText = args.length ? `(${args.map((a) => `${a.name}: ${literal(a.type, g)}`).join(', ')})` : '';
    // Now and then one directive; rarely a flood (which the directive limit or validation refuses).
    const roll = g(fc.integer, { min: 0, max: 39 });
    const directives =
      roll === 0 ? ' @include(if: true)'.repeat(g(fc.integer, { min: 2, max: 14 })) : roll < 4 ? ' @include(if: true)' : '';
    return `${alias}${f.name}${argText}${directives} ${needsSelection ? selection(getNullableType(named) as GraphQLNamedType, g, depth - 1) : ''}`;
  });
  return `{ ${parts.join(' ')} }`;
}

/** A whole operation; one in ten is then damaged (a character cut out). */
function operation(g: Gen): string {
  const root = g(fc.constantFrom, 'query', 'query', 'query', 'mutation', 'mutation', 'subscription');
  const type = root === 'query' ? schema.getQueryType() : root === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  // Mostly within the depth limit, so plenty of operations get executed; one in five may go past it.
  const depth = g(fc.integer, { min: 0, max: 4 }) === 0 ? g(fc.integer, { min: 1, max: 16 }) : g(fc.integer, { min: 1, max: 6 });
  let text = `${root} ${selection(type!, g, depth)}`;
  if (g(fc.integer, { min: 0, max: 9 }) === 0) {
    const at = g(fc.integer, { min: 0, max: text.length - 1 });
    text = text.slice(0, at) + text.slice(at + 1);
  }
  return text;
}

// Codes the gateway itself answers before planning: such an operation must not reach any subgraph.
const REFUSED_AT_GATEWAY = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST']);

test('generated operations: no 5xx, no leak, coded errors, and refused ones never reach a subgraph', async () => {
  let refused = 0;
  let reached = 0;
  await fc.assert(
    fc.asyncProperty(fc.gen(), fc.boolean(), async (g, signedIn) => {
      const query = operation(g);
      const before = subgraphCalls;
      const started = Date.now();
      const answer = await rawRequest(gateway.url, {
        body: JSON.stringify({ query }),
        headers: { 'content-type': 'application/json', ...(signedIn ? { authorization: `Bearer ${token}` } : {}) },
      });
      if (process.env.FUZZ_DEBUG && Date.now() - started > 500) console.log(Date.now() - started, query.slice(0, 300));
      const problems = answer.json?.errors ? problemsWith(answer) : answer.status >= 500 ? [`status ${answer.status}`] : [];
      if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${query.slice(0, 500)}`);
      const codes = (answer.json?.errors ?? []).map((e) => e.extensions?.code);
      if (codes.some((c) => REFUSED_AT_GATEWAY.has(String(c)))) {
        refused += 1;
        if (subgraphCalls !== before)
          throw new Error(`refused (${codes.join(',')}) but ${subgraphCalls - before} subgraph calls\n${query.slice(0, 500)}`);
      } else if (subgraphCalls > before) {
        reached += 1;
      }
      if (process.env.FUZZ_DEBUG)
        console.log(codes.join(',') || 'ok', subgraphCalls - before, JSON.stringify(answer.json?.errors?.[0]?.message ?? '').slice(0, 90));
    }),
    // A failure is reported at once: shrinking 300 runs through the whole stack would outlast the test.
    { numRuns: 200, endOnFailure: true },
  );
  // The generator must exercise both sides, or the property proves little.
  expect(refused).toBeGreaterThan(40);
  expect(reached).toBeGreaterThan(25);
}, 180_000);
