import { AsyncLocalStorage } from 'node:async_hooks';
import type { HttpAnswer } from '@commerce/common';

/** What makes one incoming operation's subgraph fetches shareable, set for the span of its fetch (see {@link InflightFetches.scope}). */
interface ShareScope {
  /** {@link callerKey} plus the guest cart token: whom the answer is for. */
  identity: string;
  /** {@link InflightFetches.generation} when the fetch began. */
  generation: number;
}

/** Sends one subgraph request and reads its answer to the end (the datasource's POST). */
export type SubgraphPost = (url: string, init: { body: string; headers: Record<string, string> }) => Promise<HttpAnswer>;

/** The `fetcher` @apollo/gateway's RemoteGraphQLDataSource calls (its `FetcherRequestInit`, reduced to what it sends). */
export type Fetcher = (url: string, init: { body?: unknown; headers?: Record<string, string> }) => Promise<Response>;

/**
 * In-flight deduplication of subgraph query fetches: identical concurrent fetches (same subgraph
 * URL, same request body — document, variables, operation name — and same caller identity) share
 * one HTTP request. Only the fetch is shared; results are never kept after it ends, so nothing
 * stale is served from a cache.
 *
 * Safety argument:
 * - **Who shares.** The key holds the caller's identity (kind, user id, role, service; see
 *   callerKey) and the X-Cart-Token, because subgraphs answer by those: a user's `me` or
 *   orders are fetched with their id in the key, so two users never meet in one entry, and
 *   anonymous visitors meet only each other. The signed caller token itself is not in the key
 *   (it differs per request yet says the same thing); the session epoch is not either, since a
 *   token of an ended session is refused at the perimeter before any fetch. The client address
 *   is left out: subgraphs read it only in mutations (sign-in and password-reset throttling),
 *   which are never shared. The request id is left out too: a joining request's id is not seen
 *   by the subgraph (its own log line at the gateway still has it).
 * - **What is shared.** Fetches of incoming `query` operations only, whose subgraph document
 *   is itself a query (see {@link scope}): never a mutation, a subscription's event or a
 *   schema/health fetch. A write relayed by this gateway bumps {@link generation} when it ends,
 *   and a fetch only joins one that began in the same generation, so a client that gets its
 *   mutation's answer and then reads never joins a fetch that began before its write.
 * - **Independent copies.** The answer is read once as text (the POST reads it to the end); each caller gets a new `Response`
 *   of it and parses its own JSON, so whatever @apollo/gateway or a plugin does to one caller's
 *   result cannot reach another's. Status and headers are copied (each caller's cache-control
 *   hint and HTTP-error handling run on its own copy). A GraphQL error or a partial result in the
 *   answer is the same for every sharer, as it would be for each of them alone.
 * - **Failures and cancellation.** A fetch that fails (network error, SUBGRAPH_TIMEOUT_MS)
 *   fails for every sharer, and each one's datasource maps it to its own coded error. No
 *   client's disconnect aborts a subgraph fetch (@apollo/gateway passes no signal), so the first
 *   requester going away does not cut the others short; the only abort is the timeout, counted
 *   from when the shared fetch began, so a joiner never waits longer than the first requester.
 *
 * Each joined fetch counts in `commerce_gateway_subgraph_fetch_deduplicated_total{subgraph}`.
 */
export class InflightFetches {
  private readonly scopes = new AsyncLocalStorage<ShareScope>();
  private readonly running = new Map<string, { done: Promise<HttpAnswer>; joiners: number }>();
  private writes = 0;

  constructor(private readonly enabled: boolean) {}

  /** Writes relayed so far; a fetch joins only fetches that began in the same generation. */
  get generation(): number {
    return this.writes;
  }

  /** Fetches running now that others may join (for tests and stats). */
  size(): number {
    return this.running.size;
  }

  /**
   * Runs `work` (one datasource `process` call) so that the fetches it makes may be shared with
   * others of the same `identity`: callers pass only incoming `query` operations whose subgraph
   * document is a query. With deduplication off this is `work()`.
   */
  scope<T>(identity: string, work: () => Promise<T>): Promise<T> {
    if (!this.enabled) return work();
    return this.scopes.run({ identity, generation: this.writes }, work);
  }

  /** Runs `work` (a fetch of a mutation), then starts a new generation: later reads do not join fetches that began before it. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.writes += 1;
    }
  }

  /**
   * The datasource's fetcher over `post`: inside a {@link scope} an identical fetch already
   * running is joined (and `onJoined` called) instead of sent again; outside one every fetch is
   * sent. Each caller gets a `Response` of its own.
   */
  sharing(post: SubgraphPost, onJoined: () => void): Fetcher {
    return async (url, init) => {
      if (typeof init.body !== 'string') throw new TypeError('A subgraph fetch has a JSON string body');
      const request = { body: init.body, headers: init.headers ?? {} };
      const scope = this.scopes.getStore();
      if (!scope) return toResponse(await post(url, request));
      const key = `${scope.generation}\u0000${scope.identity}\u0000${url}\u0000${init.body}`;
      const existing = this.running.get(key);
      if (existing) {
        existing.joiners += 1;
        onJoined();
        return toResponse(await existing.done);
      }
      const done = post(url, request);
      this.running.set(key, { done, joiners: 0 });
      // Removed when it settles, before any sharer resumes: a later fetch starts afresh.
      const settled = () => void this.running.delete(key);
      done.then(settled, settled);
      return toResponse(await done);
    };
  }
}

const toResponse = (r: HttpAnswer) => new Response(r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
