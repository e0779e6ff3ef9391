/**
 * CPU per subgraph call of the two HTTP clients the gateway and the service clients have used:
 * `fetch` with `AbortSignal.timeout` (before issue 15's transport change) and `httpPost` (undici's
 * `request`, packages/common/src/http-post.ts), each POSTing a GraphQL body to a local node:http
 * server that answers a 1 kB JSON result; the server runs in a child process so the figures are
 * the client's alone. Alternates the two BENCH_ROUNDS (3) times, BENCH_CALLS (3000) calls each,
 * one at a time and 16 in flight.
 * Run: npx tsx gateway/bench/subgraph-transport.ts. It prints figures and asserts nothing; read
 * them with the load average it prints.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { httpPost } from '@commerce/common';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const TIMEOUT_MS = 10_000;

/** The subgraph stand-in (this file run with --server): answers every POST with the same JSON and sends its port to the parent. */
function serve(): void {
  const answer = JSON.stringify({ data: { product: { id: '1', title: 'x'.repeat(1000) } } });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
}

type Call = (url: string, body: string, headers: Record<string, string>) => Promise<unknown>;

const clients: Record<string, Call> = {
  'fetch + AbortSignal.timeout': async (url, body, headers) => {
    const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.json();
  },
  'httpPost (undici request)': async (url, body, headers) => JSON.parse((await httpPost(url, body, headers, TIMEOUT_MS)).body),
};

/** CPU µs per call and calls/s of `call`, `concurrency` at a time. */
async function measure(call: Call, url: string, concurrency: number): Promise<{ cpuUs: number; perSecond: number }> {
  const body = JSON.stringify({ query: 'query($id: ID!) { product(id: $id) { id title } }', variables: { id: '1' } });
  const headers = { 'content-type': 'application/json', 'x-commerce-caller': 'x'.repeat(300) };
  const run = async (n: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < n) await call(url, body, headers);
      }),
    );
  };
  await run(300);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(CALLS);
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / CALLS, perSecond: CALLS / ((performance.now() - started) / 1000) };
}

async function start(): Promise<void> {
  const child = fork(__filename, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const url = `http://127.0.0.1:${port}/graphql`;
  console.log(
    `${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${CALLS} calls per run`,
  );
  console.log('| client | in flight | CPU µs per call (client) | calls/s |');
  console.log('|---|---:|---:|---:|');
  for (let round = 0; round < ROUNDS; round++) {
    for (const concurrency of [1, 16]) {
      for (const [name, call] of Object.entries(clients)) {
        const { cpuUs, perSecond } = await measure(call, url, concurrency);
        console.log(`| ${name} | ${concurrency} | ${cpuUs.toFixed(0)} | ${perSecond.toFixed(0)} |`);
      }
    }
  }
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  child.kill();
}

if (process.argv.includes('--server')) {
  serve();
} else {
  start().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
