import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Worker } from 'bullmq';
import { register } from 'prom-client';
import {
  BREAKER_STATE_VALUE,
  createRedis,
  type BreakerSettings,
  type BreakerState,
  type ReadinessReport,
  type Redis,
} from '@commerce/common';
import { composeSupergraph, type RunningGateway } from '@commerce/gateway';
import * as order from '@commerce/order';
import type { Catalog } from '@commerce/seed-data';
import { eventually } from '../../support/eventually';
import { checkout, customerTokens, fillCart, forEachLimited } from '../../support/shoppers';
import { INTERNAL_SECRET, type Stack } from '../../support/stack';
import { spawnProcess, type WorkerProcess } from '../../support/worker-process';
import { freePort } from '../../../scripts/lib/ports';

export { freePort };

/** A subgraph as its own OS process (its `main.ts`), on a fixed port so it can be killed and started again there. */
export class SubgraphProcess {
  process?: WorkerProcess;
  readonly url: string;

  constructor(
    private readonly stack: Stack,
    readonly name: 'product' | 'cart',
    private readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}/graphql`;
  }

  /** Starts the process and waits for its ready line. */
  async start(): Promise<void> {
    this.process = await spawnProcess(
      this.name,
      this.stack.processEnv({ [`${this.name.toUpperCase()}_PORT`]: String(this.port), LOG_LEVEL: 'info' }),
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.process!.child.kill(signal);
  }

  /** Kills it for good (resuming it first if stopped), for cleanup. */
  async kill(): Promise<void> {
    const child = this.process?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await this.process!.exited;
  }
}

/**
 * The part of a deployment the chaos suite breaks: product and cart as their own processes, a
 * checkout worker whose saga calls them (through its circuit breakers, settings as given), and a
 * gateway in front of them whose readiness reports them. Everything else (user, review, order
 * subgraphs, the notification workers, the gateway shoppers use) is `stack`'s, in this process.
 */
export async function startChaosDeployment(stack: Stack, breakers: Partial<BreakerSettings>) {
  const product = new SubgraphProcess(stack, 'product', await freePort());
  const cart = new SubgraphProcess(stack, 'cart', await freePort());
  await Promise.all([product.start(), cart.start()]);
  const redis: Redis = createRedis(stack.redisUrl);
  const services = order.createOrderServices({
    db: stack.db.order,
    redis,
    redisPrefix: stack.redisPrefix,
    internalSecret: INTERNAL_SECRET,
    cartSubgraphUrl: cart.url,
    productSubgraphUrl: product.url,
    userSubgraphUrl: stack.subgraphUrls.user,
    logger: stack.logger,
    paymentTimeoutMs: 2_000,
    breakers,
  });
  const workerConnection = createRedis(stack.redisUrl);
  const worker: Worker = order.createCheckoutWorker({
    processor: services.checkout,
    refunds: services.refunds,
    connection: workerConnection,
    prefix: stack.redisPrefix,
    concurrency: 5,
    logger: stack.logger,
  });
  await worker.waitUntilReady();
  const gateway: RunningGateway = await stack.startAnotherGateway({
    supergraphSdl: composeSupergraph({ ...stack.subgraphUrls, product: product.url, cart: cart.url }),
    subgraphReadiness: 'reported',
    subgraphTimeoutMs: 3_000,
    healthCheckTimeoutMs: 1_000,
  });
  return {
    product,
    cart,
    services,
    gateway,
    /** The gateway's readiness report now. */
    readiness: async (): Promise<ReadinessReport> =>
      (await fetch(new URL('/health/ready', gateway.url))).json() as Promise<ReadinessReport>,
    close: async () => {
      await worker.close();
      await services.close();
      await Promise.all([product.kill(), cart.kill()]);
      await Promise.all([redis.quit(), workerConnection.quit()]);
    },
  };
}
export type ChaosDeployment = Awaited<ReturnType<typeof startChaosDeployment>>;

/** `commerce_circuit_breaker_state` of `breaker`, read from this process's default registry (what /metrics serves). */
export async function breakerGauge(breaker: string): Promise<BreakerState | undefined> {
  const values = (await register.getSingleMetric('commerce_circuit_breaker_state')?.get())?.values ?? [];
  const value = values.find((v) => v.labels.breaker === breaker)?.value;
  return (Object.keys(BREAKER_STATE_VALUE) as BreakerState[]).find((s) => BREAKER_STATE_VALUE[s] === value);
}

export interface Burst {
  ids: string[];
  /** Orders by shopper, with what each asked for. */
  plan: {
    userId: number;
    token: string;
    key: string;
    paymentToken: string;
    coupon: boolean;
    lines: { productId: number; quantity: number }[];
  }[];
  productIds: number[];
  stockBefore: Map<number, number>;
}

/**
 * Prepares `count` shoppers from the `from`-th: each cart holds one or two of three well-stocked
 * products (distinct per burst, so bursts do not share stock), every third applies WELCOME10,
 * every sixth pays with a card that is declined.
 */
export async function prepareBurst(stack: Stack, catalog: Catalog, from: number, count: number, productOffset: number): Promise<Burst> {
  // Stock for the whole burst (at most 24 units of one product), so only the declined cards fail.
  const products = catalog.products.filter((p) => p.stock >= 40).slice(productOffset, productOffset + 3);
  const shoppers = await customerTokens(catalog, from, count);
  const plan = shoppers.map((s, i) => ({
    ...s,
    key: `chaos-${from + i}`,
    paymentToken: i % 6 === 5 ? 'tok_chargeDeclined' : 'tok_visa',
    coupon: i % 3 === 0,
    lines: [
      { productId: products[i % 3]!.id, quantity: 1 + (i % 2) },
      ...(i % 4 === 0 ? [{ productId: products[(i + 1) % 3]!.id, quantity: 1 }] : []),
    ],
  }));
  await forEachLimited(plan, 4, async (p) => {
    await fillCart(stack, p.token, p.lines);
    if (p.coupon) {
      const res = await stack.gql('mutation { applyCoupon(code: "WELCOME10") { couponCode } }', {}, p.token);
      if (res.errors) throw new Error(`applyCoupon failed: ${JSON.stringify(res.errors)}`);
    }
  });
  const stockBefore = new Map<number, number>();
  for (const p of products) {
    stockBefore.set(p.id, (await stack.db.product.product.findUniqueOrThrow({ where: { id: p.id } })).stock);
  }
  return { ids: [], plan, productIds: products.map((p) => p.id), stockBefore };
}

/** Places the checkouts of `plan[from..to)` all at once; returns their order ids (also appended to `burst.ids`). */
export async function fire(stack: Stack, burst: Burst, from: number, to: number): Promise<string[]> {
  const ids = await Promise.all(burst.plan.slice(from, to).map((p) => checkout(stack, p.token, p.key, p.paymentToken)));
  burst.ids.push(...ids);
  return ids;
}

/**
 * The invariants after a fault (issue 12 item 7): every order ended CONFIRMED, or FAILED with a
 * reason (here only the declined cards may fail: the fault itself must not fail an order);
 * stock fell by exactly the confirmed quantities; the ledger captured exactly the confirmed
 * totals, once each; coupon redemptions are held by exactly the confirmed orders that used one;
 * one notification and one email per order; one order per idempotency key.
 */
export async function expectConsistent(stack: Stack, burst: Burst): Promise<void> {
  const { db } = stack;
  await eventually(
    async () => ((await db.order.order.count({ where: { id: { in: burst.ids }, status: 'PENDING' } })) === 0 ? true : undefined),
    `${burst.ids.length} orders to settle`,
    180_000,
  );
  const orders = await db.order.order.findMany({ where: { id: { in: burst.ids } }, include: { items: true } });
  expect(orders).toHaveLength(burst.plan.length);
  const byKey = new Map(orders.map((o) => [`${o.userId}:${o.idempotencyKey}`, o]));
  for (const p of burst.plan) {
    expect(await db.order.order.count({ where: { userId: p.userId, idempotencyKey: p.key } })).toBe(1);
    const o = byKey.get(`${p.userId}:${p.key}`)!;
    expect({ key: p.key, status: o.status, failureReason: o.failureReason }).toEqual(
      p.paymentToken === 'tok_visa'
        ? { key: p.key, status: 'CONFIRMED', failureReason: null }
        : { key: p.key, status: 'FAILED', failureReason: 'PAYMENT_DECLINED' },
    );
  }
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED');

  // Stock: initial − confirmed quantities; every failed order's reservation is released.
  for (const productId of burst.productIds) {
    const sold = confirmed
      .flatMap((o) => o.items)
      .filter((i) => i.productId === productId)
      .reduce((n, i) => n + i.quantity, 0);
    await eventually(
      async () => {
        const { stock } = await db.product.product.findUniqueOrThrow({ where: { id: productId } });
        return stock === burst.stockBefore.get(productId)! - sold ? true : undefined;
      },
      `stock of product ${productId} to be ${burst.stockBefore.get(productId)! - sold}`,
    );
  }

  // Payment ledger: one intent per order; captures = confirmed totals, each captured once; nothing captured for a failed order.
  const intents = await db.order.simulatedPaymentIntent.findMany({
    where: { idempotencyKey: { in: burst.ids.map((id) => `authorize-${id}`) } },
    include: { operations: true },
  });
  expect(intents).toHaveLength(orders.length);
  const intentOf = new Map(intents.map((i) => [i.idempotencyKey.slice('authorize-'.length), i]));
  for (const o of orders) {
    const intent = intentOf.get(o.id)!;
    const captures = intent.operations.filter((op) => op.kind === 'CAPTURE');
    if (o.status === 'CONFIRMED') {
      expect({ id: o.id, status: intent.status, captured: intent.capturedCents, captures: captures.length }).toEqual({
        id: o.id,
        status: 'CAPTURED',
        captured: o.totalCents,
        captures: 1,
      });
    } else {
      expect({ id: o.id, captured: intent.capturedCents - intent.refundedCents }).toEqual({ id: o.id, captured: 0 });
    }
  }
  const capturedTotal = intents.reduce((n, i) => n + i.capturedCents - i.refundedCents, 0);
  expect(capturedTotal).toBe(confirmed.reduce((n, o) => n + o.totalCents, 0));

  // Coupon redemptions: held by the confirmed orders that used the coupon, released for the failed ones.
  const withCoupon = orders.filter((o) => o.couponCode !== null);
  expect(withCoupon.map((o) => o.id).sort()).toEqual(
    orders
      .filter((o) => burst.plan.find((p) => p.userId === o.userId)!.coupon)
      .map((o) => o.id)
      .sort(),
  );
  await eventually(async () => {
    const held = await db.order.couponRedemption.findMany({ where: { orderId: { in: burst.ids }, releasedAt: null } });
    const want = withCoupon
      .filter((o) => o.status === 'CONFIRMED')
      .map((o) => o.id)
      .sort();
    return JSON.stringify(held.map((r) => r.orderId).sort()) === JSON.stringify(want) ? true : undefined;
  }, 'coupon redemptions to match the confirmed coupon orders');

  // One notification per order (its final status) and one email each.
  const keys = orders.map((o) => `order:${o.id}:${o.status}`);
  await eventually(
    async () => ((await db.user.notification.count({ where: { key: { in: keys } } })) === orders.length ? true : undefined),
    `${orders.length} notifications`,
  );
  await eventually(async () => {
    const mails = await Promise.all((await readdir(stack.mailDir)).map((f) => readFile(path.join(stack.mailDir, f), 'utf8')));
    const counts = orders.map((o) => mails.filter((m) => m.includes(o.id.slice(0, 8).toUpperCase())).length);
    return counts.every((c) => c === 1) ? true : undefined;
  }, 'one email per order');
}

/**
 * A Redis server of the test's own (the shared one serves other suites), with the AOF on as in
 * docker-compose.yml, in a temporary directory; it can be stopped and started again on its port with its data.
 */
export class PrivateRedis {
  readonly url: string;
  private child?: ChildProcess;

  constructor(
    private readonly port: number,
    private readonly dir: string,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** Starts redis-server and waits until it accepts connections (after loading its AOF). */
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${log}`)));
    });
  }

  /** Stops it with `signal` (SIGTERM: a clean shutdown that flushes the AOF) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/**
 * A PostgreSQL server of the test's own (Debian's binaries, `initdb` + `pg_ctl` in a temporary
 * directory; as the `postgres` OS user when the test runs as root, since PostgreSQL refuses root),
 * holding copies of this run's template databases so `startStack` can clone from them there.
 */
export class PrivatePostgres {
  readonly url: string;
  private readonly bin: string;

  constructor(
    private readonly port: number,
    private readonly dir: string,
  ) {
    this.url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const version = readdirSync('/usr/lib/postgresql').sort().at(-1);
    this.bin = `/usr/lib/postgresql/${version}/bin`;
  }

  private run(command: string, args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, { stdio: 'pipe' });
  }

  /** Creates the cluster (trust auth, 60 connections). */
  init(): void {
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres', this.dir]);
    this.run(`${this.bin}/initdb`, ['-D', path.join(this.dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  }

  /** Starts it and waits until it accepts connections. */
  start(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c fsync=off`;
    this.run(`${this.bin}/pg_ctl`, ['-D', path.join(this.dir, 'data'), '-o', options, '-l', path.join(this.dir, 'log'), '-w', 'start']);
  }

  /** Stops it: `fast` (a clean shutdown; clients are disconnected) or `immediate` (a crash). */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run(`${this.bin}/pg_ctl`, ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  /** Copies database `name` of the server at `from` (a postgresql:// URL of any database there) into this server. */
  copyDatabase(from: string, name: string): void {
    const source = new URL(from);
    source.pathname = `/${name}`;
    const target = new URL(this.url);
    target.pathname = `/${name}`;
    execFileSync('psql', [this.url, '-q', '-c', `CREATE DATABASE "${name}"`], { stdio: 'pipe' });
    execFileSync('sh', ['-c', `pg_dump --no-owner "${source}" | psql -q -v ON_ERROR_STOP=1 "${target}"`], { stdio: 'pipe' });
  }
}
