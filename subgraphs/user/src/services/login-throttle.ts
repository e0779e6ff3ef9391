import { consumeOrThrow, createRateLimiter, type RateLimitRule, type Redis } from '@commerce/common';

/** Sign-in throttling rules (OWASP Authentication Cheat Sheet: slow down, then lock, per account and per IP). */
export interface LoginThrottleRules {
  /** Attempts on one account before it slows down: default 5 per minute. */
  accountSlowdown: RateLimitRule;
  /** Attempts on one account before it locks: default 10 per 15 minutes, then locked 15 minutes. */
  accountLockout: RateLimitRule;
  /** Failed attempts from one client address: default 50 per 15 minutes, then blocked 15 minutes. */
  ip: RateLimitRule;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleRules = {
  accountSlowdown: { points: 5, durationSeconds: 60 },
  accountLockout: { points: 10, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  ip: { points: 50, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
};

const MESSAGE = 'Too many sign-in attempts; try again later';

/**
 * Counts password attempts in Redis (shared by every user subgraph instance). An attempt is
 * counted before the password is checked, so 20 `login` aliases in one document are 20 attempts
 * even though they run concurrently; a success clears the account's count and gives the
 * address its attempt back.
 */
export class LoginThrottle {
  private readonly slowdown;
  private readonly lockout;
  private readonly ip;

  constructor(redis: Redis, redisPrefix: string, rules: LoginThrottleRules = DEFAULT_LOGIN_THROTTLE) {
    this.slowdown = createRateLimiter(redis, redisPrefix, 'login-account-slow', rules.accountSlowdown);
    this.lockout = createRateLimiter(redis, redisPrefix, 'login-account-lock', rules.accountLockout);
    this.ip = createRateLimiter(redis, redisPrefix, 'login-ip', rules.ip);
  }

  /**
   * Records one attempt on `account` (a user id, or the unknown login name) from `clientIp`.
   * @throws RateLimitedError (RATE_LIMITED, retryAfterSeconds) while the account or address is throttled.
   */
  async attempt(account: string, clientIp: string | undefined): Promise<void> {
    if (clientIp) await consumeOrThrow(this.ip, clientIp, 1, MESSAGE);
    await consumeOrThrow(this.lockout, account, 1, MESSAGE);
    await consumeOrThrow(this.slowdown, account, 1, MESSAGE);
  }

  /** A correct password: the account starts afresh and the address gets its attempt back. */
  async succeeded(account: string, clientIp: string | undefined): Promise<void> {
    await Promise.all([this.slowdown.delete(account), this.lockout.delete(account), clientIp ? this.ip.reward(clientIp, 1) : undefined]);
  }
}
