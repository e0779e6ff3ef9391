import { AsyncLocalStorage } from 'node:async_hooks';

/** A subgraph answer read to the end, so that each caller it is shared with can get a fresh `Response` of its own. */
interface BufferedResponse {
  body: string;
  status: number;
  statusText: string;
  headers: [string, string][];
}

/** What makes one incoming operation's subgraph fetches shareable, set for the span of its fetch (see {@link InflightFetches.scope}). */
interface ShareScope {
  /** {@link callerKey} plus the guest cart token: whom the answer is for. */
  identity: string;
  /** {@link InflightFetches.generation} when the fetch began. */
  generation: number;
}

type Fetcher = (input: string, init: RequestInit) => Promise<Response>;

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
 * - **Independent copies.** The answer is read once as text; each caller gets a new `Response`
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
  private readonly running = new Map<string, { done: Promise<BufferedResponse>; joiners: number }>();
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
   * Wraps `fetcher`: inside a {@link scope} an identical fetch already running is joined (and
   * `onJoined` called) instead of sent again. Outside one it is `fetcher` itself.
   */
  sharing(fetcher: Fetcher, onJoined: () => void): Fetcher {
    return async (input, init) => {
      const scope = this.scopes.getStore();
      if (!scope || typeof init.body !== 'string') return fetcher(input, init);
      const key = `${scope.generation}\u0000${scope.identity}\u0000${input}\u0000${init.body}`;
      const existing = this.running.get(key);
      if (existing) {
        existing.joiners += 1;
        onJoined();
        return toResponse(await existing.done);
      }
      const done = fetcher(input, init).then(buffer);
      this.running.set(key, { done, joiners: 0 });
      // Removed when it settles, before any sharer resumes: a later fetch starts afresh.
      const settled = () => void this.running.delete(key);
      done.then(settled, settled);
      return toResponse(await done);
    };
  }
}

async function buffer(response: Response): Promise<BufferedResponse> {
  return { body: await response.text(), status: response.status, statusText: response.statusText, headers: [...response.headers] };
}

const toResponse = (r: BufferedResponse) => new Response(r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
