/**
 * npm run bench:gateways — our gateway beside the gateways users would pick instead, in one run
 * over the same subgraphs and supergraph (figures, not a timed test):
 *
 * - ours: `gateway/` as the process manifest runs it (perimeter and all);
 * - stock @apollo/gateway: the same library and version, plain RemoteGraphQLDataSource, no perimeter;
 * - Hive Gateway (`@graphql-hive/gateway`) with its JavaScript query planner, and with the Rust one
 *   (`@graphql-hive/router-runtime`).
 *
 * The peers live in `bench/gateways/` (its own package.json and lockfile, not a workspace, for the
 * npm override Hive Gateway needs here), installed with `npm ci` on the first run. They send the
 * subgraphs one static caller token, signed with the stack's internal secret for the length of the
 * run, so the subgraphs check them as they check our gateway.
 *
 * For each operation of `bench:catalog` (scripts/lib/catalog-operations.ts) and two loads —
 * identical requests, and varied ones (product ids, search terms and categories drawn by Zipf over
 * the catalog, the same sequence for every gateway) — it prints req/s, p50/p95/p99 (ms), errors,
 * subgraph calls per operation (the subgraphs' own `commerce_http_request_duration_seconds_count`
 * on route /graphql, scraped from their METRICS_PORT before and after each run) and the ratios to
 * ours. Before the load it sends every gateway the same requests and checks the answers are
 * deep-equal, and says so. Options (env): BENCH_DURATION s per run (default 10), BENCH_CONNECTIONS
 * (default 8), BENCH_ROUNDS (default 1; each round runs the gateways in a rotated order),
 * BENCH_SAMPLE varied requests compared per operation (default 20), BENCH_CATALOG as in
 * bench:catalog (`dummyjson`, `synthetic:<products>[:<reviews>]`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ANONYMOUS, graphql, signCallerToken } from '@commerce/common';
import { REPO_ROOT } from '@commerce/db-tools';
import {
  describeCatalog,
  freePort,
  parseCatalogSize,
  startBenchStack,
  subgraphRequests,
  untilHealthy,
  type BenchStack,
} from './lib/bench-stack';
import { catalogOperations, readPopulation, type CatalogOperation } from './lib/catalog-operations';
import { fmt, measure, type Figures, type GraphQLBody } from './lib/load';
import { spawnPrefixed } from './lib/processes';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 20);
const PEERS_DIR = path.join(REPO_ROOT, 'bench', 'gateways');
/** Long enough for any run; the subgraphs still verify signature, issuer, audience and expiry. */
const PEER_TOKEN_TTL_SECONDS = 24 * 3600;

const say = (line: string) => process.stdout.write(`${line}\n`);
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Gateway {
  name: string;
  url: string;
}

const PEERS = [
  { kind: 'stock', name: 'stock @apollo/gateway' },
  { kind: 'hive-js', name: 'Hive Gateway, JS planner' },
  { kind: 'hive-rust', name: 'Hive Gateway, Rust planner' },
] as const;

/** `npm ci` of bench/gateways when its node_modules is missing. @throws Error when npm fails */
function installPeers(): void {
  if (existsSync(path.join(PEERS_DIR, 'node_modules'))) return;
  say(`▸ Installing the peer gateways (npm ci --prefix ${path.relative(REPO_ROOT, PEERS_DIR)}, once)…`);
  const result = spawnSync('npm', ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ci in ${PEERS_DIR} failed (${result.status ?? result.signal})`);
}

async function startPeers(stack: BenchStack): Promise<Gateway[]> {
  const token = await signCallerToken(ANONYMOUS, stack.internalSecret, undefined, PEER_TOKEN_TTL_SECONDS);
  const peers = await Promise.all(PEERS.map(async (peer) => ({ ...peer, port: await freePort() })));
  const children = peers.map((peer) =>
    spawnPrefixed(peer.kind, [process.execPath, [path.join(PEERS_DIR, 'serve.mjs'), peer.kind]], {
      cwd: REPO_ROOT,
      env: { PORT: String(peer.port), SUPERGRAPH_PATH: stack.supergraphPath, CALLER_TOKEN: token },
    }),
  );
  await untilHealthy(
    children,
    peers.map((p) => ({ name: p.kind, url: `http://127.0.0.1:${p.port}/health` })),
  );
  return peers.map((p) => ({ name: p.name, url: `http://127.0.0.1:${p.port}/graphql` }));
}

/** What a response says, for comparison: its data, and the codes of its errors (messages differ between gateways). */
const answer = (r: { status: number; data?: unknown; errors?: { extensions?: { code?: string } }[] }) => ({
  status: r.status,
  data: r.data ?? null,
  errorCodes: (r.errors ?? []).map((e) => e.extensions?.code ?? 'no code'),
});

/**
 * Sends each body to every gateway and compares each answer with ours.
 * @returns one line per mismatch (empty when all answers are deep-equal), and how many requests were compared
 */
async function compareAnswers(
  gateways: Gateway[],
  op: CatalogOperation,
): Promise<{ compared: number; mismatches: string[]; errors: number }> {
  const bodies: GraphQLBody[] = [op.fixed, ...op.variedSample(SAMPLE)];
  const mismatches: string[] = [];
  let errors = 0;
  for (const body of bodies) {
    const answers = await Promise.all(gateways.map(async (g) => answer(await graphql(g.url, body.query, body.variables))));
    const ours = answers[0]!;
    if (ours.errorCodes.length > 0 || ours.status !== 200) errors++;
    answers.slice(1).forEach((other, i) => {
      if (!isDeepStrictEqual(ours, other)) {
        mismatches.push(
          `${op.name} ${JSON.stringify(body.variables)}: ${gateways[i + 1]!.name} differs from ours ` +
            `(${JSON.stringify(other).slice(0, 160)}… vs ${JSON.stringify(ours).slice(0, 160)}…)`,
        );
      }
    });
  }
  return { compared: bodies.length, mismatches, errors };
}

interface Run extends Figures {
  gateway: string;
  subgraphCallsPerOperation: number;
}

/** The subgraphs' request count once it has stopped moving: the requests still in flight when a run ended have finished. */
async function settledSubgraphRequests(stack: BenchStack): Promise<number> {
  let last = await subgraphRequests(stack);
  for (let i = 0; i < 25; i++) {
    await sleep(200);
    const now = await subgraphRequests(stack);
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function runOne(stack: BenchStack, gateway: Gateway, body: GraphQLBody | (() => GraphQLBody)): Promise<Run> {
  const before = await settledSubgraphRequests(stack);
  const figures = await measure(gateway.url, body, { connections: CONNECTIONS, durationSeconds: DURATION });
  const after = await settledSubgraphRequests(stack);
  // Per request sent: a request cut off at the end of the run still made its subgraph calls.
  return { ...figures, gateway: gateway.name, subgraphCallsPerOperation: (after - before) / Math.max(1, figures.sent) };
}

/** The mean of each figure over the rounds of one gateway. */
function meanOf(runs: Run[]): Run {
  const avg = (pick: (r: Run) => number) => runs.reduce((s, r) => s + pick(r), 0) / runs.length;
  return {
    gateway: runs[0]!.gateway,
    requestsPerSecond: avg((r) => r.requestsPerSecond),
    mean: avg((r) => r.mean),
    p50: avg((r) => r.p50),
    p95: avg((r) => r.p95),
    p99: avg((r) => r.p99),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    responses: runs.reduce((s, r) => s + r.responses, 0),
    sent: runs.reduce((s, r) => s + r.sent, 0),
    subgraphCallsPerOperation: avg((r) => r.subgraphCallsPerOperation),
  };
}

async function main(): Promise<void> {
  const catalog = parseCatalogSize(process.env.BENCH_CATALOG);
  say(`load average at start: ${loadAverage()} (${os.cpus().length} CPUs)`);
  installPeers();
  const stack = await startBenchStack({ catalog, portOffset: 1300 });
  try {
    const gateways: Gateway[] = [{ name: 'ours', url: stack.gatewayUrl }, ...(await startPeers(stack))];
    const population = await readPopulation(stack.databaseUrls.product);
    const operations = catalogOperations(population);

    say(`\n▸ Same data? Each gateway gets the identical request and ${SAMPLE} varied ones per operation:`);
    let allEqual = true;
    for (const op of operations) {
      const { compared, mismatches, errors } = await compareAnswers(gateways, op);
      allEqual &&= mismatches.length === 0;
      const errorNote = errors > 0 ? ` (${errors} answered with errors, compared as such)` : '';
      say(
        `  ${op.name}: ${compared} requests, ${mismatches.length === 0 ? 'every gateway returned the same data' : `${mismatches.length} mismatches`}${errorNote}`,
      );
      for (const line of mismatches.slice(0, 5)) say(`    ${line}`);
    }

    say(
      `\ncatalog: ${describeCatalog(catalog, population.productIds.length)}; autocannon ${CONNECTIONS} connections, ${DURATION} s per run, ` +
        `${ROUNDS} round(s); latencies in ms; ratios are peer ÷ ours\n`,
    );
    say('| operation | load | gateway | req/s | p50 | p95 | p99 | responses | errors | subgraph calls/op | req/s ÷ ours | p50 ÷ ours |');
    say('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const summary = new Map<string, Map<string, Run>>();
    for (const op of operations) {
      for (const load of ['identical', 'varied'] as const) {
        const runs = new Map<string, Run[]>(gateways.map((g) => [g.name, []]));
        for (let round = 0; round < ROUNDS; round++) {
          // A rotated order per round, so no gateway always runs on the warmest (or noisiest) slot.
          const order = gateways.map((_, i) => gateways[(i + round) % gateways.length]!);
          for (const gateway of order) {
            runs.get(gateway.name)!.push(await runOne(stack, gateway, load === 'identical' ? op.fixed : op.varied()));
          }
        }
        const means = gateways.map((g) => meanOf(runs.get(g.name)!));
        const ours = means[0]!;
        for (const r of means) {
          say(
            `| ${op.name} | ${load} | ${r.gateway} | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${r.responses} | ${r.errors} | ` +
              `${r.subgraphCallsPerOperation.toFixed(2)} | ${(r.requestsPerSecond / ours.requestsPerSecond).toFixed(2)} | ${(r.p50 / ours.p50).toFixed(2)} |`,
          );
          const key = `${op.name}|${r.gateway}`;
          if (!summary.has(key)) summary.set(key, new Map());
          summary.get(key)!.set(load, r);
        }
      }
    }

    say('\nreq/s, identical / varied:\n');
    say(`| operation | ${gateways.map((g) => g.name).join(' | ')} |`);
    say(`|---|${gateways.map(() => '---:').join('|')}|`);
    for (const op of operations) {
      const cells = gateways.map((g) => {
        const byLoad = summary.get(`${op.name}|${g.name}`)!;
        return `${fmt(byLoad.get('identical')!.requestsPerSecond)} / ${fmt(byLoad.get('varied')!.requestsPerSecond)}`;
      });
      say(`| ${op.name} | ${cells.join(' | ')} |`);
    }
    say(
      `\n${allEqual ? 'All gateways returned the same data for every compared request.' : 'Gateways DIFFERED on some requests (listed above).'}`,
    );
    say(`load average at end: ${loadAverage()}`);
    if (!allEqual) process.exitCode = 1;
  } finally {
    await stack.close();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(`bench:gateways failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
