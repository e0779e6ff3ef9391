import { STATUS_CODES } from 'node:http';
import { Agent, errors as undiciErrors, request } from 'undici';

/**
 * A POST that got no HTTP answer: the connection failed or closed, or the answer did not come
 * within the timeout (`timedOut`). The reason is in `message` and `cause`, for logs only.
 */
export class HttpPostError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpPostError';
  }
}

/** An HTTP answer read to the end: status, lower-case header names (repeated ones joined with ", "), body text. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** Whether the answer is a success (2xx), as fetch's `Response.ok`. */
export const answeredOk = (answer: Pick<HttpAnswer, 'status'>): boolean => answer.status >= 200 && answer.status < 300;

// Keep-alive pools per origin, one set per timeout (its connect bound); a process has one or two.
const agents = new Map<number, Agent>();
const agentFor = (timeoutMs: number): Agent => {
  let agent = agents.get(timeoutMs);
  if (!agent) agents.set(timeoutMs, (agent = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: timeoutMs } })));
  return agent;
};

const isTimeout = (err: unknown) =>
  err instanceof undiciErrors.HeadersTimeoutError ||
  err instanceof undiciErrors.BodyTimeoutError ||
  err instanceof undiciErrors.ConnectTimeoutError;

/**
 * POSTs `body` to `url` and reads the whole answer, through undici's `request` (about a third of
 * the CPU of `fetch` with `AbortSignal.timeout` per call, measured in docs/benchmarks.md: the hot
 * path of every subgraph fetch of the gateway and every service call between subgraphs).
 *
 * `timeoutMs` bounds connecting, waiting for the answer's headers once the request is sent, and
 * each pause in its body — for a GraphQL server, which writes its answer at once, the whole call.
 * @throws HttpPostError when no answer came (`timedOut` when a bound was hit); an answer of any
 *   status, 5xx included, is returned, not thrown.
 */
export async function httpPost(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpAnswer> {
  try {
    const answer = await request(url, {
      method: 'POST',
      headers,
      body,
      dispatcher: agentFor(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await answer.body.text();
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    return { status: answer.statusCode, statusText: STATUS_CODES[answer.statusCode] ?? '', headers: flat, body: text };
  } catch (err) {
    throw new HttpPostError(err instanceof Error ? err.message : String(err), isTimeout(err), { cause: err });
  }
}
