import { createRedis, warnIfRedisMayEvict } from '../src';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function recordingLogger() {
  const warnings: { obj: object; msg: string }[] = [];
  return { warnings, logger: { warn: (obj: object, msg: string) => warnings.push({ obj, msg }), debug: () => undefined } };
}

test('warns when Redis may evict keys (any maxmemory-policy but noeviction), and only then', async () => {
  const redis = createRedis(redisUrl);
  const [, original] = (await redis.config('GET', 'maxmemory-policy')) as string[];
  try {
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    const calm = recordingLogger();
    await warnIfRedisMayEvict(redis, calm.logger);
    expect(calm.warnings).toEqual([]);

    // Briefly changes a server setting shared with other suites; harmless, as maxmemory is unlimited here.
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const alarmed = recordingLogger();
    await warnIfRedisMayEvict(redis, alarmed.logger);
    expect(alarmed.warnings).toHaveLength(1);
    expect(alarmed.warnings[0]!.obj).toEqual({ policy: 'allkeys-lru' });
  } finally {
    await redis.config('SET', 'maxmemory-policy', original ?? 'noeviction');
    await redis.quit();
  }
});
