import {
  RateLimitedError,
  consumeOrThrow,
  createRateLimiter,
  type Caller,
  type Logger,
  type RateLimitRule,
  type Redis,
} from '@commerce/common';

/** Request budgets of the public endpoint, kept in Redis so every gateway instance shares them. */
export interface RequestRateLimits {
  /** Per signed-in user, whatever their address (default 600 per minute). */
  perUser: RateLimitRule;
  /** Per client address, signed in or not (default 1 200 per minute: several users behind one NAT). */
  perIp: RateLimitRule;
}

export const DEFAULT_RATE_LIMITS: RequestRateLimits = {
  perUser: { points: 600, durationSeconds: 60 },
  perIp: { points: 1_200, durationSeconds: 60 },
};

/**
 * Counts every HTTP operation and every graphql-ws subscribe against the client's address and,
 * when signed in, the user (fixed windows in Redis under `<prefix>:rl:`).
 */
export class RequestRateLimiter {
  private readonly perUser;
  private readonly perIp;

  constructor(
    redis: Redis,
    redisPrefix: string,
    limits: RequestRateLimits = DEFAULT_RATE_LIMITS,
    private readonly logger?: Logger,
  ) {
    this.perUser = createRateLimiter(redis, redisPrefix, 'gateway-user', limits.perUser, { failWhenRedisDown: true });
    this.perIp = createRateLimiter(redis, redisPrefix, 'gateway-ip', limits.perIp, { failWhenRedisDown: true });
  }

  /**
   * @throws RateLimitedError (RATE_LIMITED, retryAfterSeconds) when either budget is spent. When
   * Redis cannot be reached the request is let through (and logged): an outage of the counters
   * must not take the whole API down. Sign-in throttling, by contrast, fails closed.
   * Both budgets are counted at once (one Redis round trip): a request refused by one still spends the other.
   */
  async check(caller: Caller, clientIp: string): Promise<void> {
    try {
      await Promise.all([
        consumeOrThrow(this.perIp, clientIp),
        caller.kind === 'user' ? consumeOrThrow(this.perUser, String(caller.userId)) : undefined,
      ]);
    } catch (err) {
      if (err instanceof RateLimitedError) throw err;
      this.logger?.warn({ err }, 'rate limiter unavailable; request allowed');
    }
  }
}
