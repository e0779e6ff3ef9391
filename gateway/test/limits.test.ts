import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { composeSupergraph } from '../src/compose';
import { DEFAULT_OPERATION_LIMITS, limitRules, pageSizeErrors, type LimitMeasurements } from '../src/perimeter/limits';
import { validateOperation } from '../src/perimeter/validate-operation';

const root = path.resolve(__dirname, '../..');

/** Every GraphQL operation a client of this repository writes: README and docs/ blocks, the test suites' and the benchmarks' documents. */
function legitimateOperations(): { source: string; query: string }[] {
  const pages = [
    'README.md',
    ...readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const fromReadme = pages.flatMap((page) =>
    [...readFileSync(path.join(root, page), 'utf8').matchAll(/```graphql\n([\s\S]*?)```/g)].flatMap((m) =>
      // One block may hold several operations one after the other.
      m[1]!.split(/\n(?=(?:query|mutation|subscription)\b)/).map((query) => ({ source: page, query })),
    ),
  );
  // The tests' documents, and the benchmarks' (scripts/bench-*.ts), which are real client pages.
  const files = ['tests', 'scripts'].flatMap((dir) =>
    readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.includes('hostile') && (dir === 'tests' || f.startsWith('bench-')))
      .map((f) => path.join(dir, f)),
  );
  const fromTests = files.flatMap((f) =>
    [...readFileSync(path.join(root, f), 'utf8').matchAll(/[`'](\s*(?:query|mutation|subscription)\b[^`']*)[`']/g)].map((m) => ({
      source: f,
      query: m[1]!.replace(/\$\{[^}]*\}/g, '1'),
    })),
  );
  return [...fromReadme, ...fromTests];
}

let schema: GraphQLSchema;
beforeAll(async () => {
  const urls = { user: 'http://u', product: 'http://p', review: 'http://r', cart: 'http://c', order: 'http://o' };
  const gateway = new ApolloGateway({ supergraphSdl: composeSupergraph(urls) });
  schema = (await gateway.load()).schema;
});

test('every legitimate operation in the README and the tests passes the default limits; the largest is measured', () => {
  const ops = legitimateOperations();
  const largest: LimitMeasurements = { depth: 0, aliases: 0, directives: 0, cost: 0 };
  let checked = 0;
  for (const op of ops) {
    let doc;
    try {
      doc = parse(op.query);
    } catch {
      continue; // a fragment of a larger string, not an operation
    }
    // Operations the tests send on purpose to be refused by the schema are not legitimate.
    if (validate(schema, doc, specifiedRules).length > 0) continue;
    const seen: Partial<LimitMeasurements> = {};
    const errors = validate(
      schema,
      doc,
      limitRules(DEFAULT_OPERATION_LIMITS, (limit, n) => (seen[limit] = n)),
    );
    expect({ source: op.source, query: op.query, errors: errors.map((e) => e.message) }).toEqual({
      source: op.source,
      query: op.query,
      errors: [],
    });
    expect(pageSizeErrors(doc, {}, DEFAULT_OPERATION_LIMITS.maxPageSize)).toEqual([]);
    for (const k of Object.keys(largest) as (keyof LimitMeasurements)[]) largest[k] = Math.max(largest[k], seen[k] ?? 0);
    checked += 1;
  }
  expect(checked).toBeGreaterThan(20);
  // Printed for the README's limits table; the defaults keep about twice this headroom.
  console.log(`checked ${checked} legitimate operations; largest: ${JSON.stringify(largest)}`);
  expect(largest.depth).toBeLessThanOrEqual(DEFAULT_OPERATION_LIMITS.maxDepth);
  expect(largest.cost).toBeLessThanOrEqual(DEFAULT_OPERATION_LIMITS.maxCost);
});

describe('validateOperation (the graphql-ws and SSE path)', () => {
  const limits = DEFAULT_OPERATION_LIMITS;
  const codes = (query: unknown, variables?: unknown) => {
    const result = validateOperation(schema, { query, variables }, limits, { hideSchemaDetails: true });
    return 'errors' in result ? result.errors.map((e) => e.extensions.code) : [];
  };

  test('depth, aliases, directives, tokens, cost and page size are refused with codes', () => {
    const deep = `{ me { ${'orders(first: 1) { edges { node { user { '.repeat(10)}id${' } } } }'.repeat(10)} } }`;
    expect(codes(deep)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(codes(`{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`)).toEqual(
      expect.arrayContaining(['GRAPHQL_PARSE_FAILED']),
    );
    expect(codes(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }`)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes(`{ me { id ${'@include(if: true) '.repeat(11)} } }`)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(codes('{ products(first: 101) { totalCount } }')).toEqual(['BAD_USER_INPUT']);
    expect(codes('query($n: Int) { products(first: $n) { totalCount } }', { n: 1000 })).toEqual(['BAD_USER_INPUT']);
    expect(codes('query($n: Int) { products(first: $n) { totalCount } }', { n: 100 })).toEqual([]);
    expect(codes('query($n: Int = 1000) { products(first: $n) { totalCount } }')).toEqual(['BAD_USER_INPUT']);
    expect(codes('query($n: Int = 1000) { products(first: $n) { totalCount } }', { n: 5 })).toEqual([]);
    expect(
      codes(
        '{ products(first: 100) { edges { node { reviews(first: 100) { edges { node { author { reviews(first: 100) { totalCount } } } } } } } } }',
      ),
    ).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  test('malformed payloads and fragment cycles are refused with codes, never thrown', () => {
    expect(codes(undefined)).toEqual(['BAD_REQUEST']);
    expect(codes(42)).toEqual(['BAD_REQUEST']);
    expect(codes('{ me { id }', [])).toEqual(['BAD_REQUEST']);
    expect(codes('{ me { id ')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes('query { me { ...A } } fragment A on User { ...B } fragment B on User { ...A }')).toContain('GRAPHQL_VALIDATION_FAILED');
  });

  test('production hides field suggestions', () => {
    const result = validateOperation(schema, { query: '{ me { usernam } }' }, limits, { hideSchemaDetails: true });
    expect('errors' in result && result.errors[0]!.message).toBe('Cannot query field "usernam" on type "User".');
    const dev = validateOperation(schema, { query: '{ me { usernam } }' }, limits, { hideSchemaDetails: false });
    expect('errors' in dev && dev.errors[0]!.message).toContain('Did you mean');
  });
});

test('NUL characters in string arguments are refused before any subgraph, literal or variable', () => {
  const refuse = (query: string, variables?: unknown) => {
    const result = validateOperation(schema, { query, variables }, DEFAULT_OPERATION_LIMITS, { hideSchemaDetails: true });
    return 'errors' in result ? result.errors.map((e) => e.extensions.code) : [];
  };
  expect(refuse('{ products(filter: { categorySlug: "a\\u0000" }) { totalCount } }')).toEqual(['BAD_USER_INPUT']);
  expect(refuse('query($f: ProductFilter) { products(filter: $f) { totalCount } }', { f: { categorySlug: 'a\u0000' } })).toEqual([
    'BAD_USER_INPUT',
  ]);
  expect(refuse('query($f: ProductFilter) { products(filter: $f) { totalCount } }', { f: { categorySlug: 'beauty' } })).toEqual([]);
});
