import type { Caller } from '@commerce/common';
import type { RequestRateLimiter } from './rate-limit';

/** What admitting a request needs: the request budgets and, when sessions can be revoked, the epoch check. */
export interface AdmissionOptions {
  limiter: RequestRateLimiter;
  /** Whether `sessionEpoch` is still current for `userId` (session-revocations.ts); absent: not checked. */
  sessionIsCurrent?: (userId: number, sessionEpoch: number) => Promise<boolean>;
}

/**
 * The Redis part of letting one request in (an HTTP operation or a subscribe): its rate-limit
 * accounting (per address and per user) and, for a signed-in caller, the session-epoch check,
 * sent to Redis together so they cost one round trip instead of one each, one after the other.
 * The budgets are spent even when the session turns out to be ended, as any refused request's are.
 * @returns false when the caller's session has ended: the request must be refused as UNAUTHENTICATED
 *   (that answer wins over RATE_LIMITED, as before the two were sent together).
 * @throws RateLimitedError when a budget is spent; the epoch check's own error (Redis) as is.
 */
export async function admit(
  caller: Caller,
  sessionEpoch: number | undefined,
  clientIp: string,
  options: AdmissionOptions,
): Promise<boolean> {
  const epochChecked =
    caller.kind === 'user' && options.sessionIsCurrent ? options.sessionIsCurrent(caller.userId, sessionEpoch ?? 0) : Promise.resolve(true);
  const [limits, current] = await Promise.allSettled([options.limiter.check(caller, clientIp), epochChecked]);
  if (current.status === 'rejected') throw current.reason;
  if (!current.value) return false;
  if (limits.status === 'rejected') throw limits.reason;
  return true;
}
