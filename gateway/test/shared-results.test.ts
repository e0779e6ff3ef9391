import { randomBytes } from 'node:crypto';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { RedisEventHub, createLogger, createRedis, type Redis } from '@commerce/common';
import { SharedEventResults, sharedResultsChannel } from '../src/shared-results';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-shared-${randomBytes(4).toString('hex')}`;
const logger = createLogger('test', 'silent');
const SECRET = 'shared-results-test-secret-0123456789';
const opened: { hub: RedisEventHub; redis: Redis }[] = [];

/** One gateway's SharedEventResults, over connections of its own. */
async function gateway(overrides: { secret?: string; generation?: string; waitMs?: number } = {}): Promise<SharedEventResults> {
  const redis = createRedis(redisUrl, 'shared-results-test');
  const hub = new RedisEventHub(createRedis(redisUrl, 'shared-results-test-subscriber'), logger);
  opened.push({ hub, redis });
  const shared = new SharedEventResults({
    redis,
    hub,
    redisPrefix: prefix,
    secret: overrides.secret ?? SECRET,
    generation: overrides.generation ?? 'supergraph-1',
    waitMs: overrides.waitMs ?? 5_000,
    logger,
  });
  await shared.start();
  return shared;
}

afterAll(async () => {
  for (const { hub, redis } of opened) {
    await hub.close();
    await redis.quit();
  }
});

/** An executor that counts its runs and answers after `ms`. */
const executor = (result: ExecutionResult, ms = 50) => {
  const runs = { count: 0 };
  const run = async () => {
    runs.count += 1;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return result;
  };
  return Object.assign(run, { runs });
};

const key = () => `caller\u0000orderStatusChanged\u0000{}\u0000query\u0000{}\u0000${randomBytes(6).toString('hex')}`;

test('two gateways with the same key run the query once; the second gets the result, errors as GraphQLErrors', async () => {
  const [a, b] = [await gateway(), await gateway()];
  const result: ExecutionResult = {
    data: { orderStatusChanged: { id: '1', user: null } },
    errors: [
      new GraphQLError('User not available', { path: ['orderStatusChanged', 'user'], extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }),
    ],
  };
  const runA = executor(result);
  const runB = executor({ data: { orderStatusChanged: { id: 'not this one' } } });
  const k = key();
  const [fromA, fromB] = await Promise.all([a.run(k, runA), b.run(k, runB)]);
  expect(runA.runs.count + runB.runs.count).toBe(1);
  const ran = runA.runs.count === 1 ? fromA : fromB;
  const handed = runA.runs.count === 1 ? fromB : fromA;
  expect(ran).toBe(result);
  expect(handed.data).toEqual(result.data);
  expect(handed.errors).toHaveLength(1);
  expect(handed.errors![0]).toBeInstanceOf(GraphQLError);
  expect(handed.errors![0]!.toJSON()).toEqual(result.errors![0]!.toJSON());

  // A gateway that comes after the result was handed finds it stored, without running anything.
  const late = executor({ data: null });
  expect((await (await gateway()).run(k, late)).data).toEqual(result.data);
  expect(late.runs.count).toBe(0);
});

test('different keys or supergraphs never share; a result signed with another secret is dropped', async () => {
  const a = await gateway();
  const runs = [executor({ data: { n: 1 } }), executor({ data: { n: 2 } }), executor({ data: { n: 3 } })];
  const k = key();
  const results = await Promise.all([
    a.run(k, runs[0]!),
    a.run(key(), runs[1]!),
    (await gateway({ generation: 'supergraph-2' })).run(k, runs[2]!),
  ]);
  expect(results.map((r) => r.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  expect(runs.map((r) => r.runs.count)).toEqual([1, 1, 1]);

  // A forger who can publish to Redis (and claims first, with the wrong key) cannot make up a result.
  const forger = await gateway({ secret: 'not-the-gateways-secret-0123456789' });
  const waiting = await gateway({ waitMs: 300 });
  const forged = key();
  const claimedByForger = forger.run(forged, executor({ data: { forged: true } }, 10));
  await claimedByForger;
  const own = executor({ data: { genuine: true } });
  expect((await waiting.run(forged, own)).data).toEqual({ genuine: true });
  expect(own.runs.count).toBe(1);
});

test('a claimer that never answers: the other gateway runs the query itself after waitMs', async () => {
  const publisher = createRedis(redisUrl, 'shared-results-test-publisher');
  opened.push({ hub: new RedisEventHub(createRedis(redisUrl, 'unused'), logger), redis: publisher });
  const stuck = await gateway();
  const waiting = await gateway({ waitMs: 200 });
  const k = key();
  const never = new Promise<ExecutionResult>(() => undefined);
  void stuck.run(k, () => never);
  await new Promise((resolve) => setTimeout(resolve, 50));
  // Noise on the channel (not a result, or for no one waiting) changes nothing.
  await publisher.publish(sharedResultsChannel(prefix), JSON.stringify({ k: 'nobody', mac: 'x', body: '{}' }));
  await publisher.publish(sharedResultsChannel(prefix), 'not json');
  const own = executor({ data: { ran: 'here' } });
  const started = Date.now();
  expect((await waiting.run(k, own)).data).toEqual({ ran: 'here' });
  expect(own.runs.count).toBe(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(190);
});
