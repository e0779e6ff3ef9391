import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Logger, Redis, RedisEventHub } from '@commerce/common';
import { sharedEventResults, type SharedResultOutcome } from './metrics';

/** The channel on which gateways hand each other the results of the event queries they ran. */
export const sharedResultsChannel = (prefix: string) => `${prefix}:subscriptions:results`;

/** What a claim holds until its result replaces it. */
const CLAIMED = 'claimed';

export interface SharedEventResultsOptions {
  /** A Redis connection for commands (not the hub's subscriber). */
  redis: Redis;
  hub: RedisEventHub;
  redisPrefix: string;
  /** Signs what one gateway hands the others (INTERNAL_JWT_SECRET): only a gateway can make a result a client receives. */
  secret: string;
  /** What must be equal for two gateways to return equal results, besides the query: the supergraph SDL. */
  generation: string;
  /** How long a gateway waits for another's result before running the query itself, ms. */
  waitMs: number;
  /** How long a claim and its result stay in Redis, ms (default 30 000): events older than that are not late but lost. */
  ttlMs?: number;
  logger: Logger;
}

/** A result as it travels: `body` is the ExecutionResult's JSON, `mac` its HMAC-SHA256 with the key. */
interface Handed {
  k: string;
  mac: string;
  body: string;
}

/**
 * One event query per group and event across every gateway, not only within one (see
 * subscription-groups.ts): subscribers of one caller with equal selections are usually spread
 * over the gateways behind a load balancer, and each gateway would otherwise run the same query
 * for the same event. The first gateway to claim the event's key in Redis (`SET NX`) runs the
 * query and hands its result to the others: stored under the key (for a gateway that comes late)
 * and published on {@link sharedResultsChannel}. The others wait for it up to `waitMs` and run the
 * query themselves when it does not come (the claimer crashed, is slow, or Redis failed). The key
 * is a hash of the group key (caller, field, arguments, query text and variables) and the event's
 * own id, so a result is only ever shared between subscriptions that would have run the same
 * query as the same caller for the same event; results are signed, so whoever can publish to
 * Redis still cannot make up what a client receives.
 */
export class SharedEventResults {
  private readonly waiting = new Map<string, (result: ExecutionResult) => void>();
  private readonly ttlMs: number;
  private stopListening: (() => void) | undefined;

  constructor(private readonly options: SharedEventResultsOptions) {
    this.ttlMs = options.ttlMs ?? 30_000;
  }

  /** Listens for other gateways' results; resolves once Redis confirmed the channel. */
  async start(): Promise<void> {
    this.stopListening = await this.options.hub.listen<unknown>(sharedResultsChannel(this.options.redisPrefix), (m) => this.received(m));
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /**
   * `execute`'s result for `key` (a group key and an event id): run here when this gateway is the
   * first to claim the key, else another gateway's. Never rejects for Redis' sake: without Redis
   * the query runs here.
   */
  async run(key: string, execute: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const k = createHash('sha256').update(this.options.generation).update('\u0000').update(key).digest('base64url');
    const redisKey = `${this.options.redisPrefix}:subscriptions:result:${k}`;
    // Waiting before claiming: a result published right after the claim is not missed.
    let arrive: (result: ExecutionResult) => void = () => undefined;
    const arrived = new Promise<ExecutionResult>((resolve) => (arrive = resolve));
    this.waiting.set(k, arrive);
    let timer: NodeJS.Timeout | undefined;
    try {
      let previous: string | null;
      try {
        previous = await this.options.redis.set(redisKey, CLAIMED, 'PX', this.ttlMs, 'NX', 'GET');
      } catch (err) {
        this.options.logger.warn({ err }, 'could not claim a subscription event query; running it here');
        return await this.ran(execute, 'alone');
      }
      if (previous === null) {
        this.waiting.delete(k);
        const result = await this.ran(execute, 'ran');
        void this.hand(k, redisKey, result);
        return result;
      }
      const stored = previous === CLAIMED ? null : this.open(previous, k);
      if (stored) return this.counted(stored, 'stored');
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.options.waitMs)));
      const result = await Promise.race([arrived, late]);
      return result ? this.counted(result, 'received') : await this.ran(execute, 'timeout');
    } finally {
      clearTimeout(timer);
      if (this.waiting.get(k) === arrive) this.waiting.delete(k);
    }
  }

  private counted(result: ExecutionResult, outcome: SharedResultOutcome): ExecutionResult {
    sharedEventResults().inc({ outcome });
    return result;
  }

  private async ran(execute: () => Promise<ExecutionResult>, outcome: SharedResultOutcome): Promise<ExecutionResult> {
    return this.counted(await execute(), outcome);
  }

  private mac(k: string, body: string): string {
    return createHmac('sha256', this.options.secret).update(k).update('\n').update(body).digest('base64url');
  }

  private async hand(k: string, redisKey: string, result: ExecutionResult): Promise<void> {
    const body = JSON.stringify({ data: result.data, errors: result.errors });
    const message = JSON.stringify({ k, mac: this.mac(k, body), body } satisfies Handed);
    try {
      await this.options.redis
        .multi()
        .set(redisKey, message, 'PX', this.ttlMs)
        .publish(sharedResultsChannel(this.options.redisPrefix), message)
        .exec();
    } catch (err) {
      // The others run the query themselves once they stop waiting.
      this.options.logger.warn({ err }, 'could not hand a subscription event result to the other gateways');
    }
  }

  private received(message: unknown): void {
    const k = (message as Partial<Handed> | null)?.k;
    const waiter = typeof k === 'string' ? this.waiting.get(k) : undefined;
    if (!waiter) return;
    const result = this.verified(message as Handed);
    if (result) waiter(result);
  }

  private open(stored: string, k: string): ExecutionResult | null {
    try {
      const handed = JSON.parse(stored) as Handed;
      return handed.k === k ? this.verified(handed) : null;
    } catch {
      return null;
    }
  }

  /** The result in `handed` if its signature holds, with its errors as GraphQLErrors again (as the executor returns them). */
  private verified(handed: Handed): ExecutionResult | null {
    if (typeof handed.body !== 'string' || typeof handed.mac !== 'string') return null;
    const expected = Buffer.from(this.mac(handed.k, handed.body));
    const given = Buffer.from(handed.mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.options.logger.warn('dropped a subscription event result with a bad signature');
      return null;
    }
    const parsed = JSON.parse(handed.body) as {
      data?: ExecutionResult['data'];
      errors?: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
    };
    return {
      data: parsed.data,
      errors: parsed.errors?.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })),
    };
  }
}
