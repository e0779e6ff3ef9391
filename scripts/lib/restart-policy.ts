/**
 * When `npm start` restarts a process that died, and when it gives up: a pure function of the
 * process's exit history, so the rule is tested without spawning anything.
 *
 * Our own rather than a library's: exponential-backoff, p-retry and async-retry retry a promise
 * up to N attempts, and cockatiel's breakers count consecutive failures or a failure ratio; none
 * models a process whose "success" is staying up a while and whose give-up rule is a count of
 * exits in a sliding time window. The delay itself is one line of arithmetic.
 */

/** The restart rule; all durations in milliseconds. */
export interface RestartPolicy {
  /** Delay before the first restart of a run of crashes (default 500 ms). */
  initialDelayMs: number;
  /** Each further restart waits this many times longer than the one before (default 2). */
  factor: number;
  /** The delay never exceeds this (default 10 000 ms). */
  maxDelayMs: number;
  /** A process that stayed up this long before it exited restarts at the initial delay again (default 30 000 ms). */
  stableAfterMs: number;
  /** Give up when a process has exited this many times within {@link windowMs} (default 5)… */
  maxExits: number;
  /** …this sliding window (default 60 000 ms). */
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 10_000,
  stableAfterMs: 30_000,
  maxExits: 5,
  windowMs: 60_000,
});

/** What the policy remembers about one process; start from {@link NO_EXITS}. */
export interface RestartHistory {
  /** When it exited (ms, on the caller's monotonic clock), only those still inside the window. */
  readonly exits: readonly number[];
  /** Restarts since it last stayed up {@link RestartPolicy.stableAfterMs}: the backoff exponent. */
  readonly backoffStep: number;
  /** Restarts in all, for the log. */
  readonly restarts: number;
}

export const NO_EXITS: RestartHistory = Object.freeze({ exits: [], backoffStep: 0, restarts: 0 });

/** One run of the process, from spawn to exit (ms, on a monotonic clock such as `performance.now()`). */
export interface Run {
  startedAt: number;
  exitedAt: number;
}

export type RestartDecision =
  { restart: true; delayMs: number; history: RestartHistory } | { restart: false; exitsInWindow: number; history: RestartHistory };

/**
 * Merges `overrides` over {@link DEFAULT_RESTART_POLICY}.
 *
 * @throws RangeError when a duration is negative, `factor` is below 1 or `maxExits` is not a positive integer.
 */
export function restartPolicy(overrides: Partial<RestartPolicy> = {}): RestartPolicy {
  const policy = { ...DEFAULT_RESTART_POLICY, ...overrides };
  const durations = [policy.initialDelayMs, policy.maxDelayMs, policy.stableAfterMs, policy.windowMs];
  if (durations.some((ms) => !(ms >= 0)) || !(policy.factor >= 1) || !Number.isInteger(policy.maxExits) || policy.maxExits < 1) {
    throw new RangeError(`invalid restart policy ${JSON.stringify(policy)}`);
  }
  return policy;
}

/**
 * What to do after `run` ended unexpectedly, given what happened before: restart after `delayMs`
 * (initialDelayMs × factor^n, capped at maxDelayMs, n reset to 0 when the run lasted stableAfterMs),
 * or give up when this exit is the `maxExits`-th within `windowMs`.
 */
export function decideRestart(history: RestartHistory, run: Run, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const exits = [...history.exits.filter((at) => at > run.exitedAt - policy.windowMs), run.exitedAt];
  if (exits.length >= policy.maxExits) return { restart: false, exitsInWindow: exits.length, history: { ...history, exits } };
  const step = run.exitedAt - run.startedAt >= policy.stableAfterMs ? 0 : history.backoffStep;
  const delayMs = Math.min(policy.initialDelayMs * policy.factor ** step, policy.maxDelayMs);
  return { restart: true, delayMs, history: { exits, backoffStep: step + 1, restarts: history.restarts + 1 } };
}
