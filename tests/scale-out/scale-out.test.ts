/**
 * Scale-out proof on one machine (`npm run test:scale-out`): two gateways, two of each subgraph and
 * two checkout workers, all real processes, behind nginx round-robin (one upstream per tier, as a
 * Kubernetes Service would be). A burst of shoppers checks out and follows each order over
 * graphql-ws through the balancer while one instance of every tier is SIGKILLed mid-burst. Then:
 * every order CONFIRMED or FAILED with a reason, exactly one order per idempotency key, each with
 * the quantities asked for, stock and the payment ledger agree with the confirmed orders, one
 * email per order, and every subscriber saw its order's final status.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { SUBGRAPHS, createRedis, type SubgraphName } from '@commerce/common';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import { composeSupergraph } from '@commerce/gateway';
import * as order from '@commerce/order';
import * as product from '@commerce/product';
import { loadCatalog } from '@commerce/seed-data';
import { templateUrls, urlOf } from '../support/databases';
import { eventually } from '../support/eventually';
import { customerTokens, forEachLimited } from '../support/shoppers';
import { INTERNAL_SECRET } from '../support/stack';
import { TEST_SIGNING_KEYS_ENV } from '../support/tokens';
import { processManifest } from '../../deploy/processes';
import { spawnProcess, type WorkerProcess } from '../support/worker-process';
import { freePort } from '../../scripts/lib/ports';

jest.setTimeout(300_000);

const SHOPPERS = 48;

const nginx = (() => {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!nginx && process.env.CI) throw new Error('nginx is required in CI (.ci/run installs it)');

interface Tier {
  name: string;
  /** Where the balancer listens for this tier. */
  port: number;
  instances: number[];
}

/**
 * nginx as the round-robin balancer: a failed connection is passed to the other instance
 * (`proxy_next_upstream error timeout`, also for POST, since nothing was sent), an instance that
 * failed is skipped for 10 s; WebSocket upgrades and unbuffered streaming for the gateway.
 */
function nginxConfig(dir: string, tiers: Tier[]): string {
  const upstreams = tiers
    .map(
      (t) => `upstream ${t.name} {\n${t.instances.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n')}\n  }`,
    )
    .join('\n  ');
  const servers = tiers
    .map(
      (t) => `server {
    listen 127.0.0.1:${t.port};
    location / {
      proxy_pass http://${t.name};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 3600s;
      proxy_buffering off;
      proxy_next_upstream error timeout;
    }
  }`,
    )
    .join('\n  ');
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  ${upstreams}
  ${servers}
}
`;
}

interface GraphQLResult<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const describeWithNginx = nginx ? describe : describe.skip;
if (!nginx) console.warn('nginx not found: the scale-out proof is skipped (apt-get install nginx-light)');

describeWithNginx('scale-out: two of everything behind a round-robin balancer, one of each killed mid-burst', () => {
  const id = `${process.env.TEST_RUN_ID}_so_${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'commerce-scale-out-'));
  const mailDir = path.join(dir, 'mail');
  const redisPrefix = `test-${id}`;
  const urls = Object.fromEntries(SUBGRAPHS.map((s) => [s, urlOf(`test_${id}_${s}`)])) as Record<SubgraphName, string>;
  const processes: { name: string; process: WorkerProcess }[] = [];
  let balancer: ChildProcess | undefined;
  let gatewayUrl = '';

  beforeAll(async () => {
    const templates = templateUrls(process.env.TEST_RUN_ID!);
    for (const s of SUBGRAPHS) await cloneDatabase(templates[s], urls[s]);

    const tiers: Tier[] = [];
    for (const name of ['gateway', ...SUBGRAPHS])
      tiers.push({ name, port: await freePort(), instances: [await freePort(), await freePort()] });
    const tier = (name: string) => tiers.find((t) => t.name === name)!;
    writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, tiers));
    balancer = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });

    const viaBalancer = Object.fromEntries(SUBGRAPHS.map((s) => [s, `http://127.0.0.1:${tier(s).port}/graphql`])) as Record<
      SubgraphName,
      string
    >;
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, composeSupergraph(viaBalancer));
    gatewayUrl = `http://127.0.0.1:${tier('gateway').port}/graphql`;
    const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      REDIS_PREFIX: redisPrefix,
      INTERNAL_JWT_SECRET: INTERNAL_SECRET,
      AUTH_SIGNING_KEYS: TEST_SIGNING_KEYS_ENV,
      ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_DATABASE_URL`, urls[s]])),
      ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_SUBGRAPH_URL`, viaBalancer[s]])),
      MAIL_OUTBOX_DIR: mailDir,
      // A killed checkout worker's jobs are taken over once their lock lapses.
      CHECKOUT_LOCK_MS: '5000',
      OUTBOX_POLL_MS: '100',
      RATE_LIMIT_USER_PER_MINUTE: '100000',
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      ...extra,
    });
    // Instance k of every process, as the manifest starts it: its ports (health and metrics ports
    // shifted per instance) and the variables its entry needs.
    const instance = (k: number) =>
      processManifest({
        subgraphUrls: Object.fromEntries(SUBGRAPHS.map((s) => [s, `http://127.0.0.1:${tier(s).instances[k]}/graphql`])) as Record<
          SubgraphName,
          string
        >,
        gatewayPort: tier('gateway').instances[k]!,
        portOffset: 30_000 + 200 * k,
      });
    const start = async (k: number, name: string, extra: Record<string, string> = {}) => {
      const spec = instance(k).find((p) => p.name === name)!;
      processes.push({ name: `${name}#${k + 1}`, process: await spawnProcess(name, env({ ...spec.env, ...extra })) });
    };
    await Promise.all(SUBGRAPHS.flatMap((s) => [start(0, s), start(1, s)]));
    const gatewayEnv = { SUPERGRAPH_PATH: supergraphPath, AUTH_JWKS_URL: `http://127.0.0.1:${tier('user').port}/.well-known/jwks.json` };
    await Promise.all([
      start(0, 'gateway', gatewayEnv),
      start(1, 'gateway', gatewayEnv),
      start(0, 'checkout-worker'),
      start(1, 'checkout-worker'),
      start(0, 'notification-worker'),
    ]);
  });

  afterAll(async () => {
    for (const { process: p } of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.process.exited));
    balancer?.kill('SIGQUIT');
    const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    for (const s of SUBGRAPHS) await dropDatabase(urls[s]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses and doubles nothing', async () => {
    const catalog = await loadCatalog();
    const shoppers = await customerTokens(catalog, 0, SHOPPERS);
    const productDb = product.createDb({ connectionString: urls.product, maxConnections: 2 });
    const orderDb = order.createDb({ connectionString: urls.order, maxConnections: 2 });
    const stocked = await productDb.product.findMany({ where: { stock: { gte: 50 } }, orderBy: { id: 'asc' }, take: 6 });
    const stockBefore = new Map(stocked.map((p) => [p.id, p.stock]));
    let retries = 0;

    /** POST through the balancer; a refused, reset or 5xx answer is retried (the operations below are idempotent). */
    async function gql<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await fetch(gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query, variables }),
          });
          const body = (await response.json()) as GraphQLResult<T>;
          if (response.status < 500 && body.data && !body.errors) return body.data;
          if (attempt >= 30) throw new Error(`gave up after ${attempt} attempts: ${response.status} ${JSON.stringify(body.errors)}`);
        } catch (err) {
          if (attempt >= 30) throw err;
        }
        retries++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    const clients: Client[] = [];
    const seen = new Map<string, string>();
    const asked = new Map<string, { productId: number; quantity: number }>();
    const checkoutStarted = new Map<string, number>();
    const settledAt = new Map<string, number>();
    let killed = false;
    const burstStart = Date.now();

    await forEachLimited(shoppers, 12, async ({ token }, i) => {
      const line = { productId: stocked[i % stocked.length]!.id, quantity: 1 + (i % 3) };
      await gql('mutation { clearCart { totalQuantity } }', {}, token);
      // addToCart is not idempotent (a retried add adds twice), updateCartItem is: set the quantity last.
      await gql('mutation A($p: ID!) { addToCart(productId: $p, quantity: 1) { totalQuantity } }', { p: String(line.productId) }, token);
      await gql(
        'mutation U($p: ID!, $q: Int!) { updateCartItem(productId: $p, quantity: $q) { totalQuantity } }',
        { p: String(line.productId), q: line.quantity },
        token,
      );
      const started = Date.now();
      const { checkout } = await gql<{ checkout: { order: { id: string } } }>(
        'mutation Checkout($key: String!) { checkout(input: { idempotencyKey: $key }) { order { id } } }',
        { key: `scale-out-${i}` },
        token,
      );
      const orderId = checkout.order.id;
      asked.set(orderId, line);
      checkoutStarted.set(orderId, started);
      // Mid-burst, once a third of the shoppers have checked out: kill one instance of every tier.
      if (!killed && asked.size >= SHOPPERS / 3) {
        killed = true;
        for (const name of ['gateway#1', ...SUBGRAPHS.map((s) => `${s}#1`), 'checkout-worker#1']) {
          processes.find((p) => p.name === name)!.process.child.kill('SIGKILL');
        }
      }
      const client = createClient({
        url: gatewayUrl.replace('http', 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 30,
        shouldRetry: () => true,
        retryWait: () => new Promise((r) => setTimeout(r, 300)),
      });
      clients.push(client);
      // With orderId the current state comes first, also after a reconnect to the other gateway.
      // A subscription the dying gateway completed (it drains) is taken up again: with orderId
      // the current state comes first, so a final status in the gap is not missed.
      for (let attempt = 0; !settledAt.has(orderId); attempt++) {
        if (attempt >= 30) throw new Error(`no final status for ${orderId}`);
        await new Promise<void>((resolve, reject) => {
          const unsubscribe = client.subscribe<{ orderStatusChanged: { status: string } }>(
            { query: 'subscription S($id: ID!) { orderStatusChanged(orderId: $id) { status } }', variables: { id: orderId } },
            {
              next: ({ data }) => {
                const status = data?.orderStatusChanged.status;
                if (status) seen.set(orderId, status);
                if (status === 'CONFIRMED' || status === 'FAILED') {
                  settledAt.set(orderId, Date.now());
                  unsubscribe();
                  resolve();
                }
              },
              error: reject,
              complete: () => resolve(),
            },
          );
        });
      }
    });
    const burstMs = Date.now() - burstStart;
    await Promise.all(clients.map((c) => c.dispose()));

    expect(killed).toBe(true);
    const orders = await orderDb.order.findMany({ include: { items: true, payment: true } });
    // Exactly one order per idempotency key, each with the quantity asked for.
    expect(orders).toHaveLength(SHOPPERS);
    expect(new Set(orders.map((o) => o.idempotencyKey)).size).toBe(SHOPPERS);
    for (const o of orders) {
      const line = asked.get(o.id);
      expect(o.items.map((it) => ({ productId: it.productId, quantity: it.quantity }))).toEqual([line]);
      expect(['CONFIRMED', 'FAILED']).toContain(o.status);
      if (o.status === 'FAILED') expect(o.failureReason).toBeTruthy();
      // Every subscriber saw the final status the database holds.
      expect(seen.get(o.id)).toBe(o.status);
    }
    const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
    // Stock went down by exactly the confirmed quantities (released for the failed ones).
    await eventually(async () => {
      const after = await productDb.product.findMany({ where: { id: { in: [...stockBefore.keys()] } } });
      const expected = after.map((p) => ({
        id: p.id,
        stock:
          stockBefore.get(p.id)! -
          confirmed
            .flatMap((o) => o.items)
            .filter((it) => it.productId === p.id)
            .reduce((n, it) => n + it.quantity, 0),
      }));
      return JSON.stringify(after.map((p) => ({ id: p.id, stock: p.stock }))) === JSON.stringify(expected) ? true : undefined;
    }, 'stock to agree with the confirmed orders');
    // The provider captured each confirmed order's total exactly once, and nothing else.
    const captures = await orderDb.simulatedPaymentOperation.findMany({ where: { kind: 'CAPTURE' }, include: { intent: true } });
    expect(captures.map((c) => c.intent.idempotencyKey).sort()).toEqual(confirmed.map((o) => `authorize-${o.id}`).sort());
    for (const o of confirmed)
      expect(captures.find((c) => c.intent.idempotencyKey === `authorize-${o.id}`)?.amountCents).toBe(o.payment?.amountCents);
    // One email per order, confirmed or failed (the notification worker records each send once).
    await eventually(
      async () => (readdirSync(mailDir).filter((f) => f.endsWith('.eml')).length >= orders.length ? true : undefined),
      'an email per order',
    );
    expect(readdirSync(mailDir).filter((f) => f.endsWith('.eml'))).toHaveLength(orders.length);

    const latencies = orders.map((o) => settledAt.get(o.id)! - checkoutStarted.get(o.id)!).sort((a, b) => a - b);
    const percentile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    console.log(
      `scale-out: ${SHOPPERS} checkouts in ${(burstMs / 1000).toFixed(1)} s (${((SHOPPERS * 1000) / burstMs).toFixed(1)}/s) ` +
        `with one gateway, one of each subgraph and one checkout worker killed after ${Math.round(SHOPPERS / 3)}; ` +
        `${confirmed.length} CONFIRMED, ${orders.length - confirmed.length} FAILED, ${retries} client retries; ` +
        `checkout request → final status at the subscriber p50 ${percentile(0.5)} ms, p95 ${percentile(0.95)} ms, max ${percentile(1)} ms`,
    );
    await Promise.all([productDb.$disconnect(), orderDb.$disconnect()]);
  });
});
