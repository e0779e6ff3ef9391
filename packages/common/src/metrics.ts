import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';
import type { Logger } from 'pino';

/**
 * Prometheus metrics (issue 12 item 1). Every metric lives in prom-client's default registry, is
 * named `commerce_<what>_<base unit>` (`_seconds`, `_total` for counters) and carries only
 * bounded labels: never a user id, order id, coupon code or any value a client chooses freely.
 * The helpers return the metric already registered under a name, so several servers of one
 * process (the test stack) and several engineers' modules share one family.
 */

/** Buckets of request and job durations in s: 5 ms … 30 s. */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function existing<M>(name: string, kind: new (...args: never[]) => M): M | undefined {
  const metric = register.getSingleMetric(name);
  if (!metric) return undefined;
  if (!(metric instanceof kind)) throw new Error(`metric ${name} is registered already as another type`);
  return metric;
}

/** The counter `name` of the default registry, created on first use. */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return existing(name, Counter<L>) ?? new Counter<L>({ name, help, labelNames });
}

/** The histogram `name` of the default registry, created on first use; `buckets` in the metric's unit (default {@link DURATION_BUCKETS_S}). */
export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = DURATION_BUCKETS_S,
): Histogram<L> {
  return existing(name, Histogram<L>) ?? new Histogram<L>({ name, help, labelNames, buckets });
}

/** Reads a value into the gauge at scrape time; several sources may add to one gauge. */
export type GaugeSource<L extends string> = (gauge: Gauge<L>) => Promise<void> | void;

const sources = new Map<string, Map<string, GaugeSource<string>>>();

/**
 * The gauge `name` of the default registry, created on first use. Without sources it is set by
 * its owner; with {@link addGaugeSource} it is reset and recomputed from every source on each
 * scrape (queue depths, outbox lag, pool use), so what is scraped is never older than the scrape.
 */
export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  const found = existing(name, Gauge<L>);
  if (found) return found;
  return new Gauge<L>({
    name,
    help,
    labelNames,
    async collect() {
      const mine = sources.get(name);
      if (!mine || mine.size === 0) return;
      this.reset();
      // One failing source (Redis or PostgreSQL down) must not fail the whole scrape: its series are absent.
      await Promise.allSettled([...mine.values()].map((source) => source(this as Gauge<string>)));
    },
  });
}

/**
 * Adds a scrape-time source to gauge `name` under `key` (a second source under the same key
 * replaces the first: two workers of one queue in one process count it once). Sources add with
 * `gauge.inc(labels, n)`, so equal labels from different keys sum.
 * @returns removes the source (when its queue, pool or database closes).
 */
export function addGaugeSource<L extends string>(metric: Gauge<L>, key: string, source: GaugeSource<L>): () => void {
  const name = (metric as unknown as { name: string }).name;
  let mine = sources.get(name);
  if (!mine) sources.set(name, (mine = new Map()));
  mine.set(key, source as GaugeSource<string>);
  return () => {
    if (mine.get(key) === source) mine.delete(key);
  };
}

/** Seconds since `startedMs` (a `performance.now()` reading). */
export const secondsSince = (startedMs: number) => (performance.now() - startedMs) / 1000;

let defaultsOn = false;

/** Node's default metrics (CPU, memory, event-loop lag, GC, handles), under their standard names, once per process. */
export function collectProcessMetrics(): void {
  if (defaultsOn || register.getSingleMetric('process_cpu_user_seconds_total')) return;
  defaultsOn = true;
  collectDefaultMetrics();
}

/** The variables of the metrics listener, in every process's env (see `metricsEnvShape` in config.ts). */
export interface MetricsConfig {
  /** Port of the metrics listener; unset: none, 0: a free one (logged). */
  METRICS_PORT?: number;
  /** Its interface (default 127.0.0.1: metrics are not public). */
  METRICS_HOST?: string;
}

export interface MetricsListener {
  /** `http://host:port/metrics`. */
  url: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * A bare HTTP listener serving `GET /metrics` (Prometheus text format) from the default registry,
 * apart from any public port, so the gateway's clients can never read it. Turns on the default
 * Node metrics. Any other path is 404, any method but GET/HEAD 405.
 */
export async function startMetricsListener(port: number, host: string, logger: Logger): Promise<MetricsListener> {
  collectProcessMetrics();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return void res.writeHead(404).end();
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    register.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': register.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        logger.error({ err }, 'metrics collection failed');
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/metrics`;
  logger.info({ url }, 'metrics listener ready');
  return {
    url,
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The process's metrics listener when METRICS_PORT is set, else undefined. */
export async function serveMetrics(config: MetricsConfig, logger: Logger): Promise<MetricsListener | undefined> {
  if (config.METRICS_PORT === undefined) return undefined;
  return startMetricsListener(config.METRICS_PORT, config.METRICS_HOST ?? '127.0.0.1', logger);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Bounds a label whose values come from outside (GraphQL operation names are chosen by clients):
 * the first `max` distinct well-formed values pass, anything else is `other`, so a client
 * inventing names cannot grow the series without end.
 */
export function boundedLabel(max: number): (value: string | null | undefined, fallback?: string) => string {
  const seen = new Set<string>();
  return (value, fallback = 'anonymous') => {
    if (!value) return fallback;
    if (seen.has(value)) return value;
    if (!NAME.test(value) || seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}
