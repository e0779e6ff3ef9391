import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from './redis';
import { RateLimitedError } from './errors';
import { counter } from './metrics';

const refusals = () =>
  counter('commerce_rate_limit_refusals_total', 'Requests or attempts refused by a rate limiter (RATE_LIMITED), by limiter name.', [
    'limiter',
  ]);

/** A fixed-window counter in Redis, shared by every process that uses the same prefix and name. */
export interface RateLimitRule {
  /** Requests (or attempts) allowed per window. */
  points: number;
  /** Window length, seconds. */
  durationSeconds: number;
  /** Once exceeded, refuse everything for this long (seconds); 0: only until the window ends. */
  blockSeconds?: number;
}

/**
 * A `rate-limiter-flexible` limiter on Redis under `<redisPrefix>:rl:<name>:`, so several stacks
 * share one Redis without sharing counters, and all instances of one stack share theirs.
 */
export function createRateLimiter(
  redis: Redis,
  redisPrefix: string,
  name: string,
  rule: RateLimitRule,
  options: { failWhenRedisDown?: boolean } = {},
): RateLimiterRedis {
  refusals();
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${redisPrefix}:rl:${name}`,
    points: rule.points,
    duration: rule.durationSeconds,
    blockDuration: rule.blockSeconds ?? 0,
    // true: fail at once while Redis is down instead of waiting for the reconnect (our clients
    // have no retry cap), for callers that let requests through on failure.
    rejectIfRedisNotReady: options.failWhenRedisDown ?? false,
  });
}

/**
 * Takes `points` from `key`'s allowance.
 * Each refusal counts in `commerce_rate_limit_refusals_total{limiter}` (the limiter's `name`).
 * @throws RateLimitedError with the seconds until the allowance returns (rounded up, ≥ 1);
 * a Redis failure is rethrown as is (the caller's error handling masks it).
 */
export async function consumeOrThrow(limiter: RateLimiterRedis, key: string, points = 1, message?: string): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      refusals().inc({ limiter: limiter.keyPrefix.split(':rl:').pop() ?? 'unknown' });
      throw new RateLimitedError(Math.max(1, Math.ceil(err.msBeforeNext / 1000)), message);
    }
    throw err;
  }
}
