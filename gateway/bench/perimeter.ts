/**
 * Cost of each piece of the gateway's perimeter, cold (as before issue 15) and on its hot path:
 * 1. the operation checks of a subscribe (graphql-ws/SSE: parse with the token cap, specified
 *    rules + limits, page-size and NUL checks) without and with the document cache, and the
 *    per-request page-size/NUL checks of an HTTP request (Apollo Server keeps its own parsed and
 *    validated document) with the document walked each time vs its facts cached by hash;
 * 2. access-token verification (EdDSA, jose) each time vs kept verified until expiry;
 * 3. Redis round trips of admitting one signed-in request: the session-epoch GET, then the
 *    per-address budget, then the per-user budget (main before this change), vs admit() sending
 *    them together; counted from the order of sends and replies, and timed against local Redis.
 * Run: npx tsx gateway/bench/perimeter.ts (needs Redis at REDIS_URL, default 127.0.0.1:6379).
 * It prints figures and asserts nothing; read them with the load average it prints.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ApolloGateway } from '@apollo/gateway';
import { parse } from 'graphql';
import { createLocalJWKSet } from 'jose';
import {
  SigningKeySet,
  consumeOrThrow,
  createRateLimiter,
  createRedis,
  currentSessionEpoch,
  generateSigningKey,
  signAccessToken,
  verifyAccessToken,
  type Caller,
  type Redis,
} from '@commerce/common';
import { AccessTokenVerifier } from '../src/auth';
import { composeSupergraph } from '../src/compose';
import {
  DEFAULT_OPERATION_LIMITS,
  DocumentChecks,
  RequestRateLimiter,
  admit,
  documentFacts,
  documentHash,
  nulCharacterErrors,
  pageSizeErrors,
  validateOperation,
} from '../src/perimeter';

const README_PRODUCTS = `query { products(first: 5, filter: { categorySlug: "smartphones" }, sort: PRICE_ASC) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id title brand stock availabilityStatus price { amount currencyCode } discountPercentage salePrice { amount } averageRating reviewCount
  reviews(first: 3) { edges { node { rating body author { username } } } } } } } }`;
const ORDER_HISTORY = `query OrderHistory($first: Int) {
  me { id username orders(first: $first) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status createdAt total { amount currencyCode } items { quantity product { id title thumbnail } } } } } }
}`;
const HOSTILE: Record<string, string> = {
  '1,000 aliases (token cap)': `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
  'depth 50': `{ me { ${'user { orders(first: 1) { edges { node { '.repeat(13)}id${' } } } }'.repeat(13)} } }`,
  'fragment cycle': '{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }',
};

/** Mean µs of `run` over `n` calls after a warm-up. */
async function microseconds(run: () => unknown, n = 2_000): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await run();
  const start = performance.now();
  for (let i = 0; i < n; i++) await run();
  return ((performance.now() - start) * 1000) / n;
}

const fmt = (us: number) => (us >= 100 ? us.toFixed(0) : us.toFixed(1));
const ratio = (before: number, after: number) => `${(before / after).toFixed(1)}×`;

async function documentChecks(): Promise<void> {
  const urls = { user: 'http://u', product: 'http://p', review: 'http://r', cart: 'http://c', order: 'http://o' };
  const { schema } = await new ApolloGateway({ supergraphSdl: composeSupergraph(urls) }).load();
  const cache = new DocumentChecks();
  console.log('\n## 1. Operation checks (µs per operation)\n');
  console.log('| operation | subscribe: cold | subscribe: cached | ratio | HTTP page-size/NUL: walk | HTTP: cached facts | ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, query, variables] of [
    ['README products query (largest legitimate)', README_PRODUCTS, {}],
    ['order history (signed in)', ORDER_HISTORY, { first: 10 }],
  ] as const) {
    const payload = { query, variables };
    const checked = validateOperation(schema, payload, DEFAULT_OPERATION_LIMITS, { hideSchemaDetails: false });
    if ('errors' in checked) throw new Error(`${name} is refused: ${checked.errors[0]!.message}`);
    const cold = await microseconds(() => validateOperation(schema, payload, DEFAULT_OPERATION_LIMITS, { hideSchemaDetails: true }), 300);
    const cached = await microseconds(() =>
      validateOperation(schema, payload, DEFAULT_OPERATION_LIMITS, { hideSchemaDetails: true, cache }),
    );
    const document = parse(query);
    const hash = documentHash(query);
    const max = DEFAULT_OPERATION_LIMITS.maxPageSize;
    const walk = await microseconds(
      () => [...pageSizeErrors(documentFacts(document), variables, max), ...nulCharacterErrors(documentFacts(document), variables)],
      20_000,
    );
    const facts = await microseconds(() => {
      const f = cache.facts(hash, document);
      return [...pageSizeErrors(f, variables, max), ...nulCharacterErrors(f, variables)];
    }, 20_000);
    console.log(
      `| ${name} | ${fmt(cold)} | ${fmt(cached)} | ${ratio(cold, cached)} | ${fmt(walk)} | ${fmt(facts)} | ${ratio(walk, facts)} |`,
    );
  }
  console.log('\nRefused (hostile) documents are never cached; each costs its full check:\n');
  for (const [name, query] of Object.entries(HOSTILE)) {
    const run = () => validateOperation(schema, { query }, DEFAULT_OPERATION_LIMITS, { hideSchemaDetails: true, cache });
    const result = run();
    console.log(
      `- ${name}: ${fmt(await microseconds(run, 100))} µs (${'errors' in result ? result.errors[0]!.extensions.code : 'accepted'})`,
    );
  }
}

async function tokenVerification(): Promise<void> {
  const key = generateSigningKey();
  const keys = createLocalJWKSet(new SigningKeySet([key]).jwks());
  const token = await signAccessToken({ userId: 42, role: 'CUSTOMER', sessionEpoch: 0 }, key);
  const verifier = new AccessTokenVerifier(keys);
  const cold = await microseconds(() => verifyAccessToken(token, keys), 1_000);
  const cached = await microseconds(() => verifier.verify(token), 20_000);
  console.log('\n## 2. Access-token verification (µs per request)\n');
  console.log('| verify each time (jose EdDSA) | kept verified until exp (LRU) | ratio |');
  console.log('|---:|---:|---:|');
  console.log(`| ${fmt(cold)} | ${fmt(cached)} | ${ratio(cold, cached)} |`);
}

/**
 * Counts the round trips of `work` on `redis`: a command sent after a reply of an earlier
 * command of the same `work` arrived had to wait for it (a new round trip); commands sent before
 * any reply share one. Counted from the order of sends and replies (ioredis `sendCommand`), so
 * the figure does not depend on how loaded the machine is.
 */
function roundTripCounter(redis: Redis): (work: () => Promise<unknown>) => Promise<{ commands: number; roundTrips: number }> {
  let tick = 0;
  let log: { sent: number; replied: number }[] | undefined;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) => {
    const entry = { sent: tick++, replied: Infinity };
    log?.push(entry);
    // Registered before the caller awaits, so it runs before whatever the caller sends next.
    command.promise.then(
      () => void (entry.replied = tick++),
      () => void (entry.replied = tick++),
    );
    return send(command, stream);
  }) as Redis['sendCommand'];
  return async (work) => {
    log = [];
    await work();
    const entries = log;
    log = undefined;
    let roundTrips = entries.length > 0 ? 1 : 0;
    for (let i = 1; i < entries.length; i++) {
      if (entries.slice(0, i).some((e) => e.replied < entries[i]!.sent)) roundTrips += 1;
    }
    return { commands: entries.length, roundTrips };
  };
}

async function redisRoundTrips(): Promise<void> {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `bench-perimeter-${process.pid}`;
  const huge = { perUser: { points: 1e9, durationSeconds: 60 }, perIp: { points: 1e9, durationSeconds: 60 } };
  const limiter = new RequestRateLimiter(redis, prefix, huge);
  const perIp = createRateLimiter(redis, prefix, 'gateway-ip', huge.perIp, { failWhenRedisDown: true });
  const perUser = createRateLimiter(redis, prefix, 'gateway-user', huge.perUser, { failWhenRedisDown: true });
  const user: Caller = { kind: 'user', userId: 42, role: 'CUSTOMER' };
  const anonymous: Caller = { kind: 'anonymous' };
  // main before this change: authenticate() awaited the epoch GET, then RequestRateLimiter.check() each budget in turn.
  const before = async (caller: Caller) => {
    if (caller.kind === 'user') await currentSessionEpoch(redis, prefix, caller.userId);
    await consumeOrThrow(perIp, '203.0.113.7');
    if (caller.kind === 'user') await consumeOrThrow(perUser, String(caller.userId));
  };
  const after = (caller: Caller) =>
    admit(caller, 0, '203.0.113.7', {
      limiter,
      sessionIsCurrent: async (userId) => (await currentSessionEpoch(redis, prefix, userId)) <= 0,
    });
  await redis.ping();
  // Loads the rate limiter's Lua script (its first EVALSHA answers NOSCRIPT and is retried as EVAL).
  await before(user);
  await after(user);
  const count = roundTripCounter(redis);
  console.log('\n## 3. Redis round trips to admit one request (counted), and its time against the local Redis\n');
  console.log('| caller | before: commands / round trips | µs | after (admit): commands / round trips | µs | ratio |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, caller] of [
    ['signed in', user],
    ['anonymous', anonymous],
  ] as const) {
    const b = await count(() => before(caller));
    const a = await count(() => after(caller));
    const bUs = await microseconds(() => before(caller), 1_000);
    const aUs = await microseconds(() => after(caller), 1_000);
    console.log(
      `| ${name} | ${b.commands} / ${b.roundTrips} | ${fmt(bUs)} | ${a.commands} / ${a.roundTrips} | ${fmt(aUs)} | ${ratio(bUs, aUs)} |`,
    );
  }
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}

async function main() {
  console.log(
    `load average (1/5/15 min): ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}; ${os.cpus().length} cores`,
  );
  await documentChecks();
  await tokenVerification();
  await redisRoundTrips();
  console.log(
    `\nload average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}`,
  );
  process.exit(0);
}

void main();
