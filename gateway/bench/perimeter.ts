/**
 * Cost of the gateway's operation checks (parse with the token cap, specified rules + limits,
 * page-size and NUL checks), on the largest legitimate operation and on hostile ones.
 * Run: npx tsx gateway/bench/perimeter.ts
 */
import { performance } from 'node:perf_hooks';
import { ApolloGateway } from '@apollo/gateway';
import { composeSupergraph } from '../src/compose';
import { DEFAULT_OPERATION_LIMITS, validateOperation } from '../src/perimeter';

const README_PRODUCTS = `query { products(first: 5, filter: { categorySlug: "smartphones" }, sort: PRICE_ASC) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id title brand stock availabilityStatus price { amount currencyCode } discountPercentage salePrice { amount } averageRating reviewCount
  reviews(first: 3) { edges { node { rating body author { username } } } } } } } }`;
const CASES: Record<string, string> = {
  'README products query (largest legitimate)': README_PRODUCTS,
  '1,000 aliases (token cap)': `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
  'depth 50': `{ me { ${'user { orders(first: 1) { edges { node { '.repeat(13)}id${' } } } }'.repeat(13)} } }`,
  'fragment cycle': '{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }',
};

async function main() {
  const urls = { user: 'http://u', product: 'http://p', review: 'http://r', cart: 'http://c', order: 'http://o' };
  const { schema } = await new ApolloGateway({ supergraphSdl: composeSupergraph(urls) }).load();
  for (const [name, query] of Object.entries(CASES)) {
    const run = () => validateOperation(schema, { query }, DEFAULT_OPERATION_LIMITS, { hideSchemaDetails: true });
    for (let i = 0; i < 200; i++) run();
    const n = 2_000;
    const start = performance.now();
    for (let i = 0; i < n; i++) run();
    const us = ((performance.now() - start) * 1000) / n;
    const result = run();
    console.log(`${name}: ${us.toFixed(0)} µs per check (${'errors' in result ? result.errors[0]!.extensions.code : 'accepted'})`);
  }
}

void main();
