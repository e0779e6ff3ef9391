/**
 * HTTP load for the benchmarks: autocannon runs of GraphQL POSTs, with every response's latency
 * kept so percentiles are exact rather than autocannon's histogram buckets.
 */
import autocannon from 'autocannon';

/** A GraphQL request as POSTed: document and variables. */
export interface GraphQLBody {
  query: string;
  variables: Record<string, unknown>;
}

/** What one run measured. Latencies in ms. */
export interface Figures {
  requestsPerSecond: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  /** Responses that were not HTTP 2xx or carried GraphQL `errors`, and requests that failed at the socket or timed out (10 s). */
  errors: number;
  /** Responses received (any status). */
  responses: number;
  /** Requests sent, those still in flight when the run ended included. */
  sent: number;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
}

/** The value at percentile `p` (0–100) of ascending `sorted` (nearest-rank), NaN when empty. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** A figure for a table: whole above 100, one decimal below, `–` for NaN. */
export const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : '–');

/**
 * One autocannon run against `url`: the same body every time, or `next()` for each request (a
 * varied load). GraphQL errors inside HTTP 200 answers count as errors too.
 * @throws Error when autocannon cannot run (bad URL, …)
 */
export async function measure(url: string, body: GraphQLBody | (() => GraphQLBody), options: LoadOptions): Promise<Figures> {
  const latencies: number[] = [];
  let graphqlErrors = 0;
  let responses = 0;
  const onResponse = (status: number, text: string) => {
    responses++;
    if (status === 200 && text.includes('"errors":')) graphqlErrors++;
  };
  const request: autocannon.Request =
    typeof body === 'function'
      ? { method: 'POST', setupRequest: (req) => ({ ...req, body: JSON.stringify(body()) }), onResponse }
      : { method: 'POST', body: JSON.stringify(body), onResponse };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        requests: [request],
        connections: options.connections,
        duration: options.durationSeconds,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: result.requests.average,
    mean: latencies.reduce((s, v) => s + v, 0) / latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.non2xx + graphqlErrors,
    responses,
    // autocannon reports it at run time; its type declarations lack the field.
    sent: (result.requests as { sent?: number }).sent ?? responses,
  };
}
