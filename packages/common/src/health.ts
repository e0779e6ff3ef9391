import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Redis } from './redis';

/**
 * Liveness and readiness (issue 12 item 4). Liveness says the process runs and its event loop
 * answers; readiness says it can do its job now: every registered dependency answered within its
 * timeout, and the process is not shutting down. Kubernetes probes (issue 13) read these two:
 * a failing liveness restarts the pod, a failing readiness only takes it out of the Service.
 */

/** Resolves when the dependency answers; rejects (or ignores `signal` and hangs) when it does not. */
export type DependencyCheck = (signal: AbortSignal) => Promise<void>;

/** One dependency in a readiness report. */
export interface DependencyStatus {
  status: 'ok' | 'down';
  /** How long the check took, in ms (the timeout when it timed out). */
  latencyMs: number;
  /** Why it is down: the check's error message, or `timed out after N ms`. */
  error?: string;
  /** Present (false) on a dependency that is reported but does not decide readiness. */
  required?: false;
}

/** The body of `GET /health/ready`; HTTP 200 when `status` is `ok`, else 503. */
export interface ReadinessReport {
  /** `ok`: every check passed; `unavailable`: at least one is down; `shutting_down`: draining, checks not run. */
  status: 'ok' | 'unavailable' | 'shutting_down';
  checks: Record<string, DependencyStatus>;
}

export interface HealthOptions {
  /** Longest one check may take, in ms, before it counts as down (default 1 000). */
  timeoutMs?: number;
  /** A report is reused for this long, in ms, so a probe storm runs the checks once (default 1 000). */
  cacheMs?: number;
}

/**
 * The dependency-check registry of one process. Checks run concurrently, each under its own
 * timeout; the report is cached for `cacheMs` (concurrent callers share one run). Once
 * {@link startShutdown} is called readiness is `shutting_down` for good, while liveness stays ok.
 * `runs` and `last` are there for the metrics listener (issue 12 item 1) to read.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, { check: DependencyCheck; required: boolean }>();
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  /** The latest report and when it completed. */
  private cached?: { at: number; report: ReadinessReport };
  private inFlight?: Promise<ReadinessReport>;
  private stopping = false;
  /** Times the checks actually ran (not served from the cache). */
  runs = 0;
  /** The latest completed report, if any. */
  last?: ReadinessReport;

  constructor(options: HealthOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.cacheMs = options.cacheMs ?? 1_000;
  }

  /**
   * Adds a dependency under `name` (the key in the report: `postgres`, `redis`, `subgraph:cart`…).
   * With `required: false` it is checked and reported but a failure does not make the process unready.
   * @throws Error when `name` is already registered.
   */
  register(name: string, check: DependencyCheck, options: { required?: boolean } = {}): this {
    if (this.checks.has(name)) throw new Error(`health check ${name} registered twice`);
    this.checks.set(name, { check, required: options.required ?? true });
    return this;
  }

  /** The registered dependency names, in registration order. */
  names(): string[] {
    return [...this.checks.keys()];
  }

  /** Readiness fails from now on (`shutting_down`); call it first on SIGTERM, before draining. */
  startShutdown(): void {
    this.stopping = true;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /**
   * The current readiness: the run in flight if there is one (however slow its checks, callers
   * share it), else the latest report while it is younger than `cacheMs`, else a new run.
   */
  readiness(): Promise<ReadinessReport> {
    if (this.stopping) return Promise.resolve({ status: 'shutting_down', checks: {} });
    if (this.inFlight) return this.inFlight;
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.report);
    const run = this.run().finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async run(): Promise<ReadinessReport> {
    this.runs += 1;
    const entries = await Promise.all(
      [...this.checks].map(async ([name, { check, required }]) => {
        const status = await this.time(check);
        return [name, required ? status : { ...status, required: false as const }] as const;
      }),
    );
    const report: ReadinessReport = {
      status: entries.every(([, s]) => s.status === 'ok' || s.required === false) ? 'ok' : 'unavailable',
      checks: Object.fromEntries(entries),
    };
    this.last = report;
    this.cached = { at: Date.now(), report };
    return report;
  }

  private async time(check: DependencyCheck): Promise<DependencyStatus> {
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      await Promise.race([check(controller.signal), timeout]);
      return { status: 'ok', latencyMs: elapsed(started) };
    } catch (err) {
      return { status: 'down', latencyMs: elapsed(started), error: reason(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/**
 * One line saying why a check failed: the last line of the message (Prisma puts the driver's
 * answer after a multi-line preamble), and the socket error fetch hides in `cause` (ECONNREFUSED…).
 */
function reason(err: unknown): string {
  // Not `instanceof Error`: fetch's errors may come from another realm (jest's VM contexts, workers).
  const message = typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err);
  const line =
    message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? 'failed';
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? `${line} (${cause})` : line;
}

/** The body of `GET /health/live`. */
export const LIVE = { status: 'ok' } as const;

/** The HTTP status of a readiness report: 200 when ready, else 503 (Service Unavailable, RFC 9110 §15.6.4). */
export const readinessStatus = (report: ReadinessReport): 200 | 503 => (report.status === 'ok' ? 200 : 503);

/** What a Prisma client offers that a readiness check needs (every subgraph's generated client has it). */
export interface RawQueryable {
  $queryRawUnsafe(query: string): PromiseLike<unknown>;
}

/** `SELECT 1` through the process's own Prisma client (and so its pool and driver adapter). */
export const postgresCheck =
  (db: RawQueryable): DependencyCheck =>
  async () => {
    await db.$queryRawUnsafe('SELECT 1');
  };

/**
 * PING on `redis`. A connection that is not `ready` fails at once: with BullMQ's
 * `maxRetriesPerRequest: null` a command would otherwise wait in the offline queue until the timeout.
 */
export const redisCheck =
  (redis: Redis): DependencyCheck =>
  async () => {
    if (redis.status !== 'ready') throw new Error(`Redis connection not ready (${redis.status})`);
    await redis.ping();
  };

/** A connection in subscriber mode, checked by its state alone (it cannot run most commands). */
export const redisSubscriberCheck =
  (redis: Redis): DependencyCheck =>
  async () => {
    if (redis.status !== 'ready') throw new Error(`Redis connection not ready (${redis.status})`);
  };

/**
 * Another process's readiness: GET `url` (its `/health/ready`); 200 is ok, anything else is down
 * with the status and the dependencies that process reported down.
 */
export const httpReadinessCheck =
  (url: string): DependencyCheck =>
  async (signal) => {
    const response = await fetch(url, { signal });
    if (response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const body = (await response.json().catch(() => undefined)) as Partial<ReadinessReport> | undefined;
    const down = Object.entries(body?.checks ?? {})
      .filter(([, s]) => s.status !== 'ok')
      .map(([name]) => name);
    throw new Error(`HTTP ${response.status}${body?.status ? ` ${body.status}` : ''}${down.length ? ` (${down.join(', ')} down)` : ''}`);
  };

export interface HealthListener {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * A bare HTTP listener serving only the health routes (for worker processes, which have no HTTP
 * server of their own). GET/HEAD only; any other path is 404, any other method 405.
 */
export async function startHealthListener(health: HealthRegistry, port: number, host: string, logger: Logger): Promise<HealthListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
      res.end(req.method === 'HEAD' ? undefined : json);
    };
    if (path !== '/health' && path !== '/health/live' && path !== '/health/ready') return send(404, { error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method not allowed' });
    if (path !== '/health/ready') return send(200, LIVE);
    health.readiness().then(
      (report) => send(readinessStatus(report), report),
      (err: unknown) => {
        logger.error({ err }, 'readiness check failed');
        send(503, { status: 'unavailable', checks: {} });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/health`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
