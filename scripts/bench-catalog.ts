/**
 * npm run bench:catalog — throughput and latency of three catalog operations through the gateway,
 * and of the same data fetched from the subgraphs directly, so the gateway's overhead shows.
 *
 * It starts its own stack of real processes (scripts/lib/bench-stack.ts: databases
 * `bench_<pid>_*` migrated and seeded, its own Redis prefix, free ports; dropped afterwards) and
 * drives it with autocannon from this process. Options (env): BENCH_DURATION seconds per run
 * (default 8), BENCH_CONNECTIONS concurrent connections (default 8), BENCH_CATALOG `dummyjson`
 * (default, 194 products), `synthetic:<products>` (10 reviews each) or
 * `synthetic:<products>:<reviews>`, to see how latency grows with the catalog. The processes
 * inherit OTEL_* (e.g. `OTEL_EXPORTER_OTLP_ENDPOINT=… npm run bench:catalog` measures tracing's cost).
 *
 * Operations: a product page with its reviews and their authors; a filtered search page of 20; a
 * category page of 50, each with identical requests and with varied ones (product ids, search
 * terms and categories drawn by Zipf over the catalog). "Direct" runs each subgraph request the
 * gateway's query plan makes for the identical request, one after the other; their mean latencies
 * add up to the direct cost of one operation.
 */
import os from 'node:os';
import { ANONYMOUS, CALLER_TOKEN_HEADER, graphql, graphqlData, signCallerToken } from '@commerce/common';
import { describeCatalog, parseCatalogSize, startBenchStack, type BenchStack } from './lib/bench-stack';
import { CATEGORY, SEARCH_FILTER, catalogOperations, readPopulation } from './lib/catalog-operations';
import { fmt, measure, type GraphQLBody } from './lib/load';

interface Operation extends GraphQLBody {
  name: string;
}

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const load = (headers: Record<string, string> = {}) => ({ connections: CONNECTIONS, durationSeconds: DURATION, headers });

const post = <T>(url: string, op: GraphQLBody, headers: Record<string, string> = {}): Promise<T> =>
  graphqlData<T>(url, op.query, op.variables, headers);

/** The subgraph requests behind each gateway operation, as the query plan makes them. */
async function directSteps(
  s: BenchStack['subgraphUrls'],
  proof: Record<string, string>,
): Promise<Record<string, { subgraph: 'user' | 'product' | 'review'; op: Operation }[]>> {
  const productId = '1';
  const productOnly = {
    name: 'product',
    query: `query($id: ID!) { product(id: $id) { id title description brand stock availabilityStatus price { amount currencyCode } salePrice { amount } discountPercentage images category { slug name parent { slug name } } } }`,
    variables: { id: productId },
  };
  const reviewsOp = {
    name: 'reviews',
    query: `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { averageRating reviewCount ratingDistribution { stars count } reviews(first: 10) { totalCount edges { node { id rating body createdAt verifiedPurchase helpfulCount author { id } } } } } } }`,
    variables: { reps: [{ __typename: 'Product', id: productId }] },
  };
  const reviews = await post<{ _entities: { reviews: { edges: { node: { author: { id: string } } }[] } }[] }>(s.review, reviewsOp, proof);
  const authors = reviews._entities[0]!.reviews.edges.map((e) => ({ __typename: 'User', id: e.node.author.id }));
  const authorsOp = {
    name: 'authors',
    query: `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id username firstName lastName } } }`,
    variables: { reps: authors },
  };
  const searchProducts = {
    name: 'search',
    query: `query($filter: ProductFilter) { products(first: 20, filter: $filter, sort: RELEVANCE) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title brand thumbnail price { amount } salePrice { amount } stock } } } }`,
    variables: { filter: SEARCH_FILTER },
  };
  const found = await post<{ products: { edges: { node: { id: string } }[] } }>(s.product, searchProducts, proof);
  const categoryProducts = {
    name: 'category',
    query: `query($slug: String!) { category(slug: $slug) { slug name children { slug name } products(first: 50, sort: PRICE_ASC) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title brand thumbnail price { amount } salePrice { amount } availabilityStatus } } } } }`,
    variables: { slug: CATEGORY },
  };
  const listed = await post<{ category: { products: { edges: { node: { id: string } }[] } } }>(s.product, categoryProducts, proof);
  const ratingsOf = (ids: string[]) => ({
    name: 'ratings',
    query: `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { averageRating reviewCount } } }`,
    variables: { reps: ids.map((id) => ({ __typename: 'Product', id })) },
  });
  return {
    'product page': [
      { subgraph: 'product', op: productOnly },
      { subgraph: 'review', op: reviewsOp },
      { subgraph: 'user', op: authorsOp },
    ],
    'search page of 20': [
      { subgraph: 'product', op: searchProducts },
      { subgraph: 'review', op: ratingsOf(found.products.edges.map((e) => e.node.id)) },
    ],
    'category page of 50': [
      { subgraph: 'product', op: categoryProducts },
      { subgraph: 'review', op: ratingsOf(listed.category.products.edges.map((e) => e.node.id)) },
    ],
  };
}

/** Codes that mean the benchmark's own query is wrong: stop instead of measuring errors. */
const WRONG_QUERY = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * One request before the load. A slow catalog may make the gateway time out (SUBGRAPH_TIMEOUT and the
 * like): that is a figure, so it is said and measured.
 * @throws Error when the answer says the query itself is wrong
 */
async function firstAnswer(url: string, name: string, body: GraphQLBody): Promise<void> {
  const { errors } = await graphql(url, body.query, body.variables);
  const codes = (errors ?? []).map((e) => e.extensions?.code ?? 'no code');
  if (codes.some((code) => WRONG_QUERY.has(code))) throw new Error(`${name}: the gateway rejects the query: ${JSON.stringify(errors)}`);
  if (codes.length > 0) console.log(`(${name}: the first request answered ${codes.join(', ')}; measuring anyway)`);
}

async function main(): Promise<void> {
  const catalog = parseCatalogSize(process.env.BENCH_CATALOG);
  const stack = await startBenchStack({ catalog, portOffset: 1200 });
  try {
    // The subgraphs answer only requests with a caller token signed with the stack's internal
    // secret, as the gateway does; one for the whole run, so signing is not part of the figures.
    const proof = { [CALLER_TOKEN_HEADER]: await signCallerToken(ANONYMOUS, stack.internalSecret, undefined, 24 * 3600) };
    const population = await readPopulation(stack.databaseUrls.product);
    const operations = catalogOperations(population);
    const steps = await directSteps(stack.subgraphUrls, proof);
    const [load1] = os.loadavg();
    console.log(
      `\ncatalog: ${describeCatalog(catalog, population.productIds.length)}; autocannon: ${CONNECTIONS} connections, ${DURATION} s per run; latencies in ms; load average ${load1!.toFixed(2)}\n`,
    );
    console.log('| operation | via | req/s | mean | p50 | p95 | p99 | responses | errors |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    const row = (op: string, via: string, f: Awaited<ReturnType<typeof measure>>) =>
      console.log(
        `| ${op} | ${via} | ${fmt(f.requestsPerSecond)} | ${fmt(f.mean)} | ${fmt(f.p50)} | ${fmt(f.p95)} | ${fmt(f.p99)} | ${f.responses} | ${f.errors} |`,
      );
    const summary: string[] = [];
    for (const op of operations) {
      await firstAnswer(stack.gatewayUrl, op.name, op.fixed);
      const gateway = await measure(stack.gatewayUrl, op.fixed, load());
      row(op.name, 'gateway, identical', gateway);
      row(op.name, 'gateway, varied (Zipf)', await measure(stack.gatewayUrl, op.varied(), load()));
      let directMean = 0;
      let directP50 = 0;
      for (const step of steps[op.name]!) {
        const f = await measure(stack.subgraphUrls[step.subgraph], step.op, load(proof));
        directMean += f.mean;
        directP50 += f.p50;
        row(op.name, `${step.subgraph} (${step.op.name})`, f);
      }
      summary.push(
        `${op.name}: gateway mean ${fmt(gateway.mean)} ms vs direct Σ means ${fmt(directMean)} ms → ratio ${(gateway.mean / directMean).toFixed(2)}; ` +
          `p50 ${fmt(gateway.p50)} vs Σ p50 ${fmt(directP50)} → ${(gateway.p50 / directP50).toFixed(2)}`,
      );
    }
    console.log(`\nGateway overhead (one identical operation through the gateway vs its subgraph requests made one after the other):`);
    for (const line of summary) console.log(`- ${line}`);
    console.log(
      `load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:catalog failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
