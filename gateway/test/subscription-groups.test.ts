import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionResult } from 'graphql';
import { RedisEventHub, createLogger, createRedis, type Caller, type Redis } from '@commerce/common';
import { SubscriptionGroups, groupKey, type GroupEvent, type GroupSpec } from '../src/subscription-groups';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const channel = `test-groups-${randomBytes(4).toString('hex')}:events`;
const logger = createLogger('test');
let publisher: Redis;
let hub: RedisEventHub;

beforeAll(() => {
  publisher = createRedis(redisUrl, 'groups-test-publisher');
  hub = new RedisEventHub(createRedis(redisUrl, 'groups-test-subscriber'), logger);
});
afterAll(async () => {
  await hub.close();
  await publisher.quit();
});

const alice: Caller = { kind: 'user', userId: 1, role: 'CUSTOMER' };
const base = { caller: alice, field: 'orderStatusChanged', args: {}, query: 'query { a }', variables: {} };

test('groupKey: equal only for the same caller (user and role), field, arguments, query and variables', () => {
  const key = groupKey(base);
  expect(groupKey({ ...base })).toBe(key);
  for (const other of [
    { ...base, caller: { kind: 'user', userId: 2, role: 'CUSTOMER' } as Caller },
    { ...base, caller: { kind: 'user', userId: 1, role: 'ADMIN' } as Caller },
    { ...base, caller: { kind: 'anonymous' } as Caller },
    { ...base, field: 'orderEvents' },
    { ...base, args: { orderId: '7' } },
    { ...base, query: 'query { b }' },
    { ...base, variables: { first: 2 } },
  ]) {
    expect(groupKey(other)).not.toBe(key);
  }
});

/** A subscription in a group that records what it is sent, as subscriptions.ts does with its queue. */
function member(received: unknown[]) {
  return {
    accept: (event: GroupEvent) => {
      void event
        .result()
        .then((result) => received.push(result.data))
        .finally(event.release);
      return true;
    },
  };
}

test('one hub listener and one query per group and event, shared by every member; the last member out stops listening', async () => {
  const groups = new SubscriptionGroups(hub, 2, logger);
  let runs = 0;
  const spec = (key: string): GroupSpec => ({
    key,
    field: 'orderStatusChanged',
    channel,
    match: (event) => ({ id: String((event as { id: number }).id) }),
    run: async (ref): Promise<ExecutionResult> => {
      runs += 1;
      await sleep(20);
      return { data: { id: ref.id, group: key } };
    },
  });
  const [a1, a2, a3, b1] = [[], [], [], []] as unknown[][];
  const leaves = [
    await groups.join(spec('a'), member(a1!)),
    await groups.join(spec('a'), member(a2!)),
    await groups.join(spec('a'), member(a3!)),
    await groups.join(spec('b'), member(b1!)),
  ];
  expect(groups.size).toBe(2);
  expect(groups.membersOf('a')).toBe(3);
  expect(hub.listenerCount(channel)).toBe(2);

  await publisher.publish(channel, JSON.stringify({ id: 1 }));
  await publisher.publish(channel, JSON.stringify({ id: 2 }));
  for (let waited = 0; b1!.length < 2 && waited < 10_000; waited += 20) await sleep(20);
  for (let waited = 0; a3!.length < 2 && waited < 10_000; waited += 20) await sleep(20);
  expect(runs).toBe(4);
  for (const received of [a1, a2, a3]) {
    expect(received).toEqual([
      { id: '1', group: 'a' },
      { id: '2', group: 'a' },
    ]);
  }
  expect(b1).toEqual([
    { id: '1', group: 'b' },
    { id: '2', group: 'b' },
  ]);

  for (const leave of leaves) leave();
  expect(groups.size).toBe(0);
  for (let waited = 0; hub.listenerCount(channel) > 0 && waited < 5_000; waited += 20) await sleep(20);
  expect(hub.listenerCount(channel)).toBe(0);
});

test('at most maxConcurrentQueries event queries run at once, over all groups', async () => {
  const groups = new SubscriptionGroups(hub, 2, logger);
  let running = 0;
  let most = 0;
  const received: unknown[] = [];
  const leaves = await Promise.all(
    ['x', 'y', 'z', 'w'].map((key) =>
      groups.join(
        {
          key,
          field: 'productStockChanged',
          channel,
          match: () => ({ id: key }),
          run: async () => {
            running += 1;
            most = Math.max(most, running);
            await sleep(50);
            running -= 1;
            return { data: { key } };
          },
        },
        member(received),
      ),
    ),
  );
  await publisher.publish(channel, JSON.stringify({ id: 3 }));
  for (let waited = 0; received.length < 4 && waited < 10_000; waited += 20) await sleep(20);
  expect(received).toHaveLength(4);
  expect(most).toBe(2);
  for (const leave of leaves) leave();
});
