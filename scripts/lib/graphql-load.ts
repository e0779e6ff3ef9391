import autocannon from 'autocannon';

/** What one autocannon run of a GraphQL POST measured; latencies in ms, from every response. */
export interface LoadFigures {
  requestsPerSecond: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx responses. */
  errors: number;
}

/** The p-th percentile (0..100, nearest rank) of ascending `sorted`; NaN when it is empty. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/**
 * POSTs one GraphQL operation to `url` from `connections` connections for `durationS` seconds and
 * keeps every response's latency, so the percentiles are exact rather than autocannon's histogram.
 */
export async function measureGraphqlLoad(options: {
  url: string;
  query: string;
  variables: Record<string, unknown>;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
}): Promise<LoadFigures> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify({ query: options.query, variables: options.variables }),
        connections: options.connections,
        duration: options.durationS,
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
    errors: result.errors + result.non2xx,
  };
}
