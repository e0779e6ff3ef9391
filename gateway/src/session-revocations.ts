import {
  currentSessionEpoch,
  sessionRevocationsChannel,
  type Logger,
  type Redis,
  type RedisEventHub,
  type SessionRevocationEvent,
} from '@commerce/common';

interface TrackedSession {
  sessionEpoch: number;
  end: () => void;
}

/**
 * The gateway's side of ending sessions early (common/session-revocation.ts). Tokens of an
 * older session epoch than the one the user subgraph recorded are refused on each request and
 * each subscribe; the graphql-ws sockets and SSE streams of a user are ended the moment a
 * revocation is published, so an open subscription stops delivering at once, not when the token expires.
 */
export class SessionRevocations {
  private readonly open = new Map<number, Set<TrackedSession>>();
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly logger: Logger,
  ) {}

  /** Listens for revocations on `hub` (resolves once Redis confirmed the subscription). */
  async listen(hub: RedisEventHub): Promise<void> {
    await hub.listen<SessionRevocationEvent>(sessionRevocationsChannel(this.redisPrefix), (event) => this.revoke(event));
  }

  /**
   * Whether a token of `sessionEpoch` is still good for `userId`. While Redis is not connected the
   * answer is yes (logged once): requests keep working, and sign-in and refresh still refuse
   * suspended accounts in the user subgraph, whose tokens then expire within 15 minutes.
   */
  async isCurrent(userId: number, sessionEpoch: number): Promise<boolean> {
    if (this.redis.status !== 'ready') {
      if (!this.warned) this.logger.warn({ status: this.redis.status }, 'Redis not ready: session revocations not checked');
      this.warned = true;
      return true;
    }
    this.warned = false;
    return sessionEpoch >= (await currentSessionEpoch(this.redis, this.redisPrefix, userId));
  }

  /** Remembers a live connection of `userId`; `end` closes it when its epoch is revoked. Returns the function that forgets it. */
  track(userId: number, sessionEpoch: number, end: () => void): () => void {
    let set = this.open.get(userId);
    if (!set) this.open.set(userId, (set = new Set()));
    const entry = { sessionEpoch, end };
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.open.get(userId) === set) this.open.delete(userId);
    };
  }

  /** Live connections being tracked (for tests and stats). */
  trackedCount(): number {
    let n = 0;
    for (const set of this.open.values()) n += set.size;
    return n;
  }

  private revoke(event: SessionRevocationEvent): void {
    if (!Number.isSafeInteger(event?.userId) || !Number.isSafeInteger(event?.sessionEpoch)) return;
    const set = this.open.get(event.userId);
    if (!set) return;
    for (const entry of [...set]) {
      if (entry.sessionEpoch < event.sessionEpoch) {
        set.delete(entry);
        entry.end();
      }
    }
    if (set.size === 0) this.open.delete(event.userId);
    this.logger.info({ userId: event.userId }, 'sessions revoked: live connections closed');
  }
}
