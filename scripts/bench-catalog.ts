/**
 * npm run bench:catalog — throughput and latency of three catalog operations through the gateway,
 * and of the same data fetched from the subgraphs directly, so the gateway's overhead shows.
 *
 * It starts its own stack in a child process (its own databases `test_<pid>_*`, migrated and
 * seeded like the test templates, its own Redis prefix, free ports; dropped afterwards) and drives
 * it with autocannon from this process. Options (env): BENCH_DURATION seconds per run (default 8),
 * BENCH_CONNECTIONS concurrent connections (default 8).
 *
 * Operations: a product page with its reviews and their authors; a filtered search page of 20; a
 * category page of 50. "Direct" runs each subgraph request the gateway's query plan makes, one
 * after the other; their mean latencies add up to the direct cost of one operation.
 */
import { fork, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import globalSetup from '../tests/global-setup';
import globalTeardown from '../tests/global-teardown';
import { ANONYMOUS, CALLER_TOKEN_HEADER, graphqlData, signCallerToken } from '@commerce/common';
import { INTERNAL_SECRET, startStack } from '../tests/support/stack';

interface Urls {
  gateway: string;
  subgraphs: Record<'user' | 'product' | 'review', string>;
}

// ---------------------------------------------------------------- the stack (child process)

async function serve(): Promise<void> {
  await globalSetup();
  const stack = await startStack();
  const urls: Urls = { gateway: stack.gateway.url, subgraphs: stack.subgraphUrls };
  process.send!(urls);
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void (async () => {
      await stack.close();
      await globalTeardown();
      process.exit(0);
    })();
  });
}

// ---------------------------------------------------------------- the load (this process)

interface Operation {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

interface Figures {
  requestsPerSecond: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

const post = <T>(url: string, op: Operation, headers: Record<string, string> = {}): Promise<T> =>
  graphqlData<T>(url, op.query, op.variables, headers);

/** Subgraphs answer only requests that carry the gateway's caller token; it lives 60 s, so one per run. */
const gatewayProof = async () => ({ [CALLER_TOKEN_HEADER]: await signCallerToken(ANONYMOUS, INTERNAL_SECRET) });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** One autocannon run of `op` against `url`; latencies (ms) from every response, so p95 is exact. */
async function measure(url: string, op: Operation, headers: Record<string, string> = {}): Promise<Figures> {
  await post(url, op, headers); // fails loudly on a wrong query instead of benchmarking errors
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: op.query, variables: op.variables }),
        connections: CONNECTIONS,
        duration: DURATION,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: result.requests.average,
    mean: latencies.reduce((s, v) => s + v, 0) / latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.non2xx,
  };
}

const PRODUCT_PAGE = `query ProductPage($id: ID!) {
  product(id: $id) {
    id title description brand stock availabilityStatus price { amount currencyCode } salePrice { amount } discountPercentage
    images category { slug name parent { slug name } }
    averageRating reviewCount ratingDistribution { stars count }
    reviews(first: 10) { totalCount edges { node { id rating body createdAt verifiedPurchase helpfulCount author { id username firstName lastName } } } }
  }
}`;
const SEARCH_PAGE = `query Search($filter: ProductFilter) {
  products(first: 20, filter: $filter, sort: RELEVANCE) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id title brand thumbnail price { amount } salePrice { amount } stock averageRating reviewCount } }
  }
}`;
const CATEGORY_PAGE = `query Category($slug: String!) {
  category(slug: $slug) {
    slug name children { slug name }
    products(first: 50, sort: PRICE_ASC) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id title brand thumbnail price { amount } salePrice { amount } availabilityStatus averageRating reviewCount } }
    }
  }
}`;

/** The subgraph requests behind each gateway operation, as the query plan makes them. */
async function directSteps(urls: Urls): Promise<Record<string, { subgraph: keyof Urls['subgraphs']; op: Operation }[]>> {
  const s = urls.subgraphs;
  const proof = await gatewayProof();
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

const SEARCH_FILTER = { search: 'phone', inStock: true, minPrice: 1000 };
const CATEGORY = 'women';

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : '–');

async function main(): Promise<void> {
  const child: ChildProcess = fork(__filename, ['--serve'], {
    // The stack's process starts tracing before it loads anything when OTEL_* asks for it (a no-op
    // otherwise), so `OTEL_EXPORTER_OTLP_ENDPOINT=… npm run bench:catalog` measures tracing's cost.
    execArgv: ['--require', 'tsx/cjs', '--require', require.resolve('@commerce/common/src/telemetry/register')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const urls = await new Promise<Urls>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Urls));
    child.once('exit', (code) => reject(new Error(`the benchmark stack exited (code ${code}) before it was ready`)));
  });
  try {
    const operations: Operation[] = [
      { name: 'product page', query: PRODUCT_PAGE, variables: { id: '1' } },
      { name: 'search page of 20', query: SEARCH_PAGE, variables: { filter: SEARCH_FILTER } },
      { name: 'category page of 50', query: CATEGORY_PAGE, variables: { slug: CATEGORY } },
    ];
    const steps = await directSteps(urls);
    console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per run; latencies in ms\n`);
    console.log('| operation | via | req/s | mean | p50 | p95 | p99 | errors |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|');
    const summary: string[] = [];
    for (const op of operations) {
      const gateway = await measure(urls.gateway, op);
      console.log(
        `| ${op.name} | gateway | ${fmt(gateway.requestsPerSecond)} | ${fmt(gateway.mean)} | ${fmt(gateway.p50)} | ${fmt(gateway.p95)} | ${fmt(gateway.p99)} | ${gateway.errors} |`,
      );
      let directMean = 0;
      let directP50 = 0;
      for (const step of steps[op.name]!) {
        const f = await measure(urls.subgraphs[step.subgraph], step.op, await gatewayProof());
        directMean += f.mean;
        directP50 += f.p50;
        console.log(
          `| ${op.name} | ${step.subgraph} (${step.op.name}) | ${fmt(f.requestsPerSecond)} | ${fmt(f.mean)} | ${fmt(f.p50)} | ${fmt(f.p95)} | ${fmt(f.p99)} | ${f.errors} |`,
        );
      }
      summary.push(
        `${op.name}: gateway mean ${fmt(gateway.mean)} ms vs direct Σ means ${fmt(directMean)} ms → ratio ${(gateway.mean / directMean).toFixed(2)}; ` +
          `p50 ${fmt(gateway.p50)} vs Σ p50 ${fmt(directP50)} → ${(gateway.p50 / directP50).toFixed(2)}`,
      );
    }
    console.log(`\nGateway overhead (one operation through the gateway vs its subgraph requests made one after the other):`);
    for (const line of summary) console.log(`- ${line}`);
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(`bench:catalog failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
