/**
 * npm run bench:catalog-scale — the catalog statements of the product subgraph on a database you
 * seeded (e.g. `npm run db:seed -- --synthetic --products 100000 --reviews 1000000` into your own
 * PRODUCT_DATABASE_URL): for each catalog operation, the SQL statements one request sends, the
 * `EXPLAIN (ANALYZE, BUFFERS)` of each (plan nodes, buffers, ms), then its latency sent directly to
 * the subgraph with autocannon.
 *
 *   BENCH_DATABASE_URL=postgresql://…/my_product npm run bench:catalog-scale
 *   … BASELINE_CHECKOUT=/path/to/other/checkout BASELINE_DATABASE_URL=postgresql://…/other_product
 *       the same against another checkout's product subgraph (e.g. a worktree of main) on its own
 *       database, runs alternating A/B/A/B in one window, with ratios
 *
 * Options (env): BENCH_DURATION seconds per run (default 8), BENCH_CONNECTIONS (default 8),
 * BENCH_AB_ROUNDS rounds of each side (default 2), REDIS_URL (default redis://127.0.0.1:6379; each subgraph
 * process publishes under its own prefix). Each subgraph runs in its own child process with query
 * events on (to count statements), the same for both sides.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from 'pg';
import { ANONYMOUS, CALLER_TOKEN_HEADER, graphqlData, signCallerToken } from '@commerce/common';
import { fmt, measure, type Figures } from './lib/load';

const SECRET = 'bench-catalog-scale-internal-secret-0123456789';
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 2);
/** The session setting the product subgraph's pool sets (TYPO_SIMILARITY), so EXPLAIN plans what it runs. */
const TRGM_OPTIONS = '-c pg_trgm.word_similarity_threshold=0.35';

// ---------------------------------------------------------------- the subgraph (child process)

interface Captured {
  sql: string;
  params: unknown[];
}
type ToChild = { type: 'capture' } | { type: 'collect' } | { type: 'stop' };
type FromChild = { type: 'ready'; url: string } | { type: 'captured'; statements: Captured[] };

async function serve(checkout: string, databaseUrl: string): Promise<void> {
  // The checkout's own modules, so a baseline checkout runs its own catalog code.
  const load = createRequire(__filename);
  const common = load(path.join(checkout, 'packages/common/src')) as typeof import('@commerce/common');
  const { createDb } = load(path.join(checkout, 'subgraphs/product/src/db')) as typeof import('../subgraphs/product/src/db');
  const { startProductSubgraph } = load(
    path.join(checkout, 'subgraphs/product/src/server'),
  ) as typeof import('../subgraphs/product/src/server');
  let capture: Captured[] | null = null;
  const db = createDb({ connectionString: databaseUrl, onQuery: () => undefined });
  // withQueryEvents turned query events on; a second listener also gets the bind parameters.
  (db as unknown as { $on(e: 'query', l: (e: { query: string; params: string }) => void): void }).$on('query', (e) => {
    capture?.push({ sql: e.query, params: JSON.parse(e.params) as unknown[] });
  });
  const redis = common.createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench-catalog-scale');
  const logger = common.createLogger('bench-product', 'warn');
  const server = await startProductSubgraph({
    db,
    redis,
    redisPrefix: `bench-catalog-scale-${process.pid}`,
    port: 0,
    internalSecret: SECRET,
    logger,
  });
  const send = (m: FromChild) => process.send!(m);
  process.on('message', (m: ToChild) => {
    if (m.type === 'capture') capture = [];
    else if (m.type === 'collect') {
      send({ type: 'captured', statements: capture ?? [] });
      capture = null;
    } else {
      void (async () => {
        await server.close();
        await redis.quit();
        await db.$disconnect();
        process.exit(0);
      })();
    }
  });
  send({ type: 'ready', url: server.url });
}

// ---------------------------------------------------------------- the load (this process)

interface Side {
  name: string;
  databaseUrl: string;
  child: ChildProcess;
  url: string;
}

async function startSide(name: string, checkout: string, databaseUrl: string): Promise<Side> {
  const child = fork(__filename, ['--serve', checkout, databaseUrl], {
    execArgv: ['--require', 'tsx/cjs'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: FromChild) => (m.type === 'ready' ? resolve(m.url) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`the ${name} subgraph exited (code ${code}) before it was ready`)));
  });
  return { name, databaseUrl, child, url };
}

async function stopSide(side: Side): Promise<void> {
  side.child.send({ type: 'stop' } satisfies ToChild);
  await new Promise((resolve) => side.child.once('exit', resolve));
}

interface Operation {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

const NODE = 'id title brand thumbnail price { amount } salePrice { amount } stock';
const SEARCH = `query($filter: ProductFilter, $after: String) { products(first: 20, after: $after, filter: $filter, sort: RELEVANCE) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${NODE} } } } }`;

/** The catalog operations measured; the second page's cursor is taken from the first page at start. */
function operations(searchCursor: string | null): Operation[] {
  const filter = { search: 'phone', inStock: true, minPrice: 1000 };
  return [
    { name: 'search "phone" (in stock, ≥ $10), page 1 + totalCount', query: SEARCH, variables: { filter } },
    { name: 'search "phone", page 2 (after cursor) + totalCount', query: SEARCH, variables: { filter, after: searchCursor } },
    { name: 'typo search "iphnoe" + totalCount', query: SEARCH, variables: { filter: { search: 'iphnoe' } } },
    {
      name: 'search "laptop", no totalCount',
      query: `query($filter: ProductFilter) { products(first: 20, filter: $filter) { edges { node { ${NODE} } } } }`,
      variables: { filter: { search: 'laptop' } },
    },
    {
      name: 'category page of 50 (women, PRICE_ASC) + totalCount',
      query: `query($slug: String!) { category(slug: $slug) { slug name children { slug name }
        products(first: 50, sort: PRICE_ASC) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${NODE} availabilityStatus } } } } }`,
      variables: { slug: 'women' },
    },
    {
      name: 'filters: brand Apple, rating ≥ 4, PRICE_DESC + totalCount',
      query: `query($filter: ProductFilter) { products(first: 20, filter: $filter, sort: PRICE_DESC) { totalCount edges { node { ${NODE} } } } }`,
      variables: { filter: { brand: 'apple', minRating: 4 } },
    },
    {
      name: 'listing NEWEST, no filter + totalCount',
      query: `query { products(first: 20, sort: NEWEST) { totalCount edges { node { ${NODE} } } } }`,
      variables: {},
    },
  ];
}

const proof = async () => ({ [CALLER_TOKEN_HEADER]: await signCallerToken(ANONYMOUS, SECRET) });

const post = async <T>(url: string, op: Operation): Promise<T> => graphqlData<T>(url, op.query, op.variables, await proof());

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function scans(node: PlanNode, out: string[] = []): string[] {
  if (node['Index Name']) out.push(`${node['Node Type']} ${node['Index Name']}`);
  else if (node['Node Type'] === 'Seq Scan') out.push(`Seq Scan ${node['Relation Name']} (${node['Actual Rows']} rows)`);
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

/** EXPLAIN (ANALYZE, BUFFERS) of each statement one request sent, in one line each. */
async function explain(side: Side, op: Operation): Promise<{ statements: number; lines: string[] }> {
  side.child.send({ type: 'capture' } satisfies ToChild);
  await post(side.url, op);
  const collected = new Promise<Captured[]>((resolve) =>
    side.child.once('message', (m: FromChild) => m.type === 'captured' && resolve(m.statements)),
  );
  side.child.send({ type: 'collect' } satisfies ToChild);
  const statements = await collected;
  const client = new Client({ connectionString: side.databaseUrl, options: TRGM_OPTIONS });
  await client.connect();
  try {
    const lines: string[] = [];
    for (const s of statements) {
      const sql = s.sql.replace(/\s+/g, ' ').trim();
      if (!/^(WITH|SELECT)\b/i.test(sql)) continue; // BEGIN/COMMIT and the like
      const result = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.sql}`,
        s.params,
      );
      const [{ Plan: plan, 'Execution Time': exec, 'Planning Time': planning }] = result.rows[0]!['QUERY PLAN'];
      const used = [...new Set(scans(plan))].join(', ') || plan['Node Type'];
      lines.push(
        `    ${sql.slice(0, 70)}…\n      ${exec.toFixed(2)} ms (+${planning.toFixed(2)} ms planning), buffers hit ${plan['Shared Hit Blocks'] ?? 0} read ${plan['Shared Read Blocks'] ?? 0}; ${used}`,
      );
    }
    return { statements: statements.length, lines };
  } finally {
    await client.end();
  }
}

const measureSide = async (side: Side, op: Operation): Promise<Figures> =>
  measure(side.url, { query: op.query, variables: op.variables }, { headers: await proof(), connections: CONNECTIONS, durationSeconds: DURATION });

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('set BENCH_DATABASE_URL to a seeded product database of your own');
  const sides: Side[] = [await startSide('this checkout', path.resolve(__dirname, '..'), databaseUrl)];
  try {
    if (process.env.BASELINE_CHECKOUT) {
      const baselineDb = process.env.BASELINE_DATABASE_URL;
      if (!baselineDb) throw new Error('BASELINE_CHECKOUT needs BASELINE_DATABASE_URL (its own database, migrated by that checkout)');
      sides.unshift(await startSide('baseline', path.resolve(process.env.BASELINE_CHECKOUT), baselineDb));
    }
    const cursorOf = async (side: Side) =>
      (await post<{ products: { pageInfo: { endCursor: string | null } } }>(side.url, operations(null)[0]!)).products.pageInfo.endCursor;
    const opsOf = new Map<Side, Operation[]>();
    for (const side of sides) opsOf.set(side, operations(await cursorOf(side)));

    console.log('## Statements per request and their plans\n');
    for (const side of sides) {
      console.log(`### ${side.name}`);
      for (const op of opsOf.get(side)!) {
        await post(side.url, op); // warm the pool and the caches, and fail loudly on a wrong query
        const { statements, lines } = await explain(side, op);
        console.log(`  ${op.name}: ${statements} SQL statement(s)\n${lines.join('\n')}`);
      }
    }

    console.log(`\n## Latency: autocannon, ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} round(s); ms\n`);
    console.log('| operation | side | round | req/s | p50 | p95 | p99 | errors |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|');
    const p95s = new Map<string, number[]>();
    for (let index = 0; index < opsOf.get(sides[0]!)!.length; index++) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const side of sides) {
          const op = opsOf.get(side)![index]!;
          const f = await measureSide(side, op);
          const key = `${op.name}\u0000${side.name}`;
          p95s.set(key, [...(p95s.get(key) ?? []), f.p95]);
          console.log(
            `| ${op.name} | ${side.name} | ${round} | ${fmt(f.requestsPerSecond)} | ${fmt(f.p50)} | ${fmt(f.p95)} | ${fmt(f.p99)} | ${f.errors} |`,
          );
        }
      }
    }
    if (sides.length === 2) {
      console.log('\np95 ratio this checkout / baseline, per round:');
      for (const op of opsOf.get(sides[0]!)!) {
        const base = p95s.get(`${op.name}\u0000baseline`)!;
        const ours = p95s.get(`${op.name}\u0000this checkout`)!;
        console.log(`- ${op.name}: ${ours.map((v, i) => (v / base[i]!).toFixed(2)).join(' / ')}`);
      }
    }
  } finally {
    await Promise.all(sides.map(stopSide));
  }
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3]!, process.argv[4]!).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(`bench:catalog-scale failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
