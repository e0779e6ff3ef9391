import { setTimeout as sleep } from 'node:timers/promises';
import CircuitBreaker from 'opossum';
import { z } from 'zod';
import type { Logger } from 'pino';
import { DomainError, ErrorCode } from './errors';
import { counter, gauge } from './metrics';

/**
 * Circuit breakers (issue 12 item 5) over opossum: one breaker per dependency (the product and
 * cart subgraphs, the payment provider), each call bounded by a timeout, a few retries with
 * exponential backoff for idempotent calls, and fail-fast while the dependency is known to be
 * down. The checkout worker turns {@link CircuitOpenError} into a delayed retry of the job, so an
 * outage does not burn a checkout's attempts.
 */

/** Settings of one breaker; times in ms. */
export interface BreakerSettings {
  /** A call that has not settled after this long fails with {@link CircuitTimeoutError} and counts as a failure. */
  timeoutMs: number;
  /** Share of failed calls in the rolling window, in percent, above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Calls in the rolling window before the breaker may open at all (a single failure is not an outage). */
  volumeThreshold: number;
  /** Length of the rolling window the error share is computed over. */
  rollingWindowMs: number;
  /** How long an open breaker fails fast before it lets one trial call through (half-open). */
  resetMs: number;
  /** Extra attempts of a failed idempotent call (0: none); never while the breaker is open. */
  retries: number;
  /** Wait before the first retry; doubles with each further retry. */
  retryBackoffMs: number;
}

/** Defaults of every breaker (docs/resilience.md explains the choice). */
export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  timeoutMs: 10_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingWindowMs: 10_000,
  resetMs: 5_000,
  retries: 2,
  retryBackoffMs: 100,
};

const envInt = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).max(max).default(fallback));

/** `BREAKER_*` variables of the processes that call other services (spread into their env schema). */
export const breakerEnvShape = {
  BREAKER_TIMEOUT_MS: envInt(10, 120_000, DEFAULT_BREAKER_SETTINGS.timeoutMs),
  BREAKER_ERROR_THRESHOLD_PERCENT: envInt(1, 100, DEFAULT_BREAKER_SETTINGS.errorThresholdPercentage),
  BREAKER_VOLUME_THRESHOLD: envInt(0, 10_000, DEFAULT_BREAKER_SETTINGS.volumeThreshold),
  BREAKER_ROLLING_WINDOW_MS: envInt(100, 600_000, DEFAULT_BREAKER_SETTINGS.rollingWindowMs),
  BREAKER_RESET_MS: envInt(10, 600_000, DEFAULT_BREAKER_SETTINGS.resetMs),
  BREAKER_RETRIES: envInt(0, 10, DEFAULT_BREAKER_SETTINGS.retries),
  BREAKER_RETRY_BACKOFF_MS: envInt(0, 60_000, DEFAULT_BREAKER_SETTINGS.retryBackoffMs),
};

/** The breaker settings a configuration parsed with {@link breakerEnvShape} asks for. */
export const breakerSettings = (config: {
  BREAKER_TIMEOUT_MS: number;
  BREAKER_ERROR_THRESHOLD_PERCENT: number;
  BREAKER_VOLUME_THRESHOLD: number;
  BREAKER_ROLLING_WINDOW_MS: number;
  BREAKER_RESET_MS: number;
  BREAKER_RETRIES: number;
  BREAKER_RETRY_BACKOFF_MS: number;
}): BreakerSettings => ({
  timeoutMs: config.BREAKER_TIMEOUT_MS,
  errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
  volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
  rollingWindowMs: config.BREAKER_ROLLING_WINDOW_MS,
  resetMs: config.BREAKER_RESET_MS,
  retries: config.BREAKER_RETRIES,
  retryBackoffMs: config.BREAKER_RETRY_BACKOFF_MS,
});

/** A call refused without being tried: the breaker of `breaker` is open. Try again after `retryAfterMs`. */
export class CircuitOpenError extends DomainError {
  constructor(
    readonly breaker: string,
    readonly retryAfterMs: number,
  ) {
    super(`${breaker} is unavailable; try again later`, ErrorCode.SERVICE_UNAVAILABLE, { service: breaker });
  }
}

/** A call through the breaker of `breaker` did not settle within `timeoutMs` (whether it took effect is unknown). */
export class CircuitTimeoutError extends Error {
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
  ) {
    super(`${breaker} did not answer within ${timeoutMs} ms`);
    this.name = 'CircuitTimeoutError';
    Object.setPrototypeOf(this, CircuitTimeoutError.prototype);
  }
}

export type BreakerState = 'closed' | 'half-open' | 'open';

/** Gauge values of `commerce_circuit_breaker_state`. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

const stateGauge = () =>
  gauge('commerce_circuit_breaker_state', 'State of each circuit breaker: 0 closed, 1 half-open, 2 open', ['breaker']);
const transitionCounter = () =>
  counter('commerce_circuit_breaker_transitions_total', 'Circuit breaker state changes, by breaker and the state entered', [
    'breaker',
    'state',
  ]);
const rejectionCounter = () =>
  counter('commerce_circuit_breaker_rejections_total', 'Calls refused without being tried because their circuit breaker was open', [
    'breaker',
  ]);

export interface BreakerOptions {
  /** The dependency, as it appears in logs and the `breaker` label (`product`, `cart`, `payment`). */
  name: string;
  settings: BreakerSettings;
  logger: Logger;
  /**
   * Whether an error says the dependency is unwell (counts toward opening, and is retried).
   * Default: every error. Domain answers (a declined card, out of stock) are not failures.
   */
  isFailure?: (err: unknown) => boolean;
}

type Action = () => Promise<unknown>;

/** One dependency's breaker. Create one per dependency per process and share it among its callers. */
export class Breaker {
  readonly name: string;
  readonly settings: Readonly<BreakerSettings>;
  private readonly circuit: CircuitBreaker<[Action], unknown>;
  private readonly isFailure: (err: unknown) => boolean;
  private openedAt = 0;

  constructor(options: BreakerOptions) {
    this.name = options.name;
    this.settings = options.settings;
    this.isFailure = options.isFailure ?? (() => true);
    this.circuit = new CircuitBreaker<[Action], unknown>((action: Action) => action(), {
      timeout: options.settings.timeoutMs,
      errorThresholdPercentage: options.settings.errorThresholdPercentage,
      volumeThreshold: options.settings.volumeThreshold,
      rollingCountTimeout: options.settings.rollingWindowMs,
      resetTimeout: options.settings.resetMs,
      // Filtered errors count as successes: the dependency answered, the answer was "no".
      errorFilter: (err: unknown) => !this.isFailure(this.translate(err)),
    });
    const states = stateGauge();
    const transitions = transitionCounter();
    const rejections = rejectionCounter();
    const { logger } = options;
    const entered = (state: BreakerState) => {
      states.set({ breaker: this.name }, BREAKER_STATE_VALUE[state]);
      transitions.inc({ breaker: this.name, state });
    };
    states.set({ breaker: this.name }, BREAKER_STATE_VALUE.closed);
    this.circuit.on('open', () => {
      this.openedAt = Date.now();
      entered('open');
      logger.warn({ breaker: this.name, resetMs: this.settings.resetMs }, 'circuit breaker opened: failing fast');
    });
    this.circuit.on('halfOpen', () => {
      entered('half-open');
      logger.info({ breaker: this.name }, 'circuit breaker half-open: trying one call');
    });
    this.circuit.on('close', () => {
      entered('closed');
      logger.info({ breaker: this.name }, 'circuit breaker closed');
    });
    this.circuit.on('reject', () => rejections.inc({ breaker: this.name }));
  }

  /** The breaker's state now. */
  get state(): BreakerState {
    if (this.circuit.opened) return 'open';
    return this.circuit.halfOpen ? 'half-open' : 'closed';
  }

  /** Time until an open breaker lets a trial call through, in ms (0 when not open). */
  retryAfterMs(): number {
    if (!this.circuit.opened) return 0;
    return Math.max(0, this.openedAt + this.settings.resetMs - Date.now());
  }

  /**
   * Runs `action` through the breaker. With `idempotent`, a failure (per `isFailure`, timeouts
   * included) is tried again up to `settings.retries` times after `retryBackoffMs`, doubling,
   * unless the breaker has opened meanwhile. Only pass `idempotent` for calls that are safe to
   * repeat: reads, or writes carrying an idempotency key.
   * @throws CircuitOpenError when the breaker is open (the action did not run).
   * @throws CircuitTimeoutError when the last try did not settle within `settings.timeoutMs`.
   * @throws whatever `action` threw on its last try.
   */
  async run<T>(action: () => Promise<T>, options: { idempotent?: boolean } = {}): Promise<T> {
    const tries = 1 + (options.idempotent ? this.settings.retries : 0);
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.circuit.fire(action)) as T;
      } catch (raw) {
        const err = this.translate(raw);
        const again = attempt < tries && this.isFailure(err) && !(err instanceof CircuitOpenError) && !this.circuit.opened;
        if (!again) throw err;
        await sleep(this.settings.retryBackoffMs * 2 ** (attempt - 1));
      }
    }
  }

  /** Stops the breaker's timers; later calls fail. */
  shutdown(): void {
    this.circuit.shutdown();
  }

  private translate(err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'EOPENBREAKER') return new CircuitOpenError(this.name, this.retryAfterMs());
    if (code === 'ETIMEDOUT' && err instanceof Error && err.message.startsWith('Timed out after')) {
      return new CircuitTimeoutError(this.name, this.settings.timeoutMs);
    }
    return err;
  }
}

/**
 * A readiness check that fails while `breaker` is open (register it with `required: false`:
 * an open breaker is worth seeing in /health/ready, but a process whose dependency is down still
 * does the rest of its job, so it must not leave the load balancer for it).
 */
export const breakerCheck = (breaker: Breaker) => async (): Promise<void> => {
  if (breaker.state === 'open') throw new Error(`circuit breaker ${breaker.name} is open`);
};
