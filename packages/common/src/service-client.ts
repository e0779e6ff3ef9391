import { CircuitTimeoutError, type Breaker } from './breaker';
import { serviceTokenSigner, CALLER_TOKEN_HEADER } from './caller';
import { DomainError, ErrorCode } from './errors';
import { answeredOk, httpPost, type HttpAnswer } from './http-post';

/**
 * A subgraph answered with errors or could not be reached. For a domain answer `code` is the
 * subgraph's `extensions.code`; a call that failed on the network, timed out, got a 5xx or an
 * INTERNAL_SERVER_ERROR answer is {@link ServiceCallError.unavailable}: SERVICE_UNAVAILABLE,
 * retryable, with a message that names no host (the reason is kept as `cause`, for the logs).
 */
export class ServiceCallError extends DomainError {
  constructor(
    readonly service: string,
    message: string,
    code: string,
    readonly retryable: boolean,
  ) {
    super(`${service}: ${message}`, code);
  }

  /** The call to `service` (its URL) failed for `reason`: SERVICE_UNAVAILABLE, retryable. */
  static unavailable(service: string, reason: string): ServiceCallError {
    const error = new ServiceCallError(service, reason, ErrorCode.SERVICE_UNAVAILABLE, true);
    error.cause = `${service}: ${reason}`;
    error.message = 'A service this request needs did not answer; try again later';
    return error;
  }
}

export interface ServiceClient {
  /**
   * Runs one GraphQL operation against the owning subgraph as the service `serviceName`.
   * @throws ServiceCallError: retryable for network and 5xx failures, not for GraphQL errors with a domain code.
   */
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/**
 * Whether an error of a service call says the service is unwell (a breaker failure): unreachable,
 * 5xx, an INTERNAL_SERVER_ERROR answer, or no answer in time. A domain answer (NOT_FOUND…) is not.
 */
export const isServiceFailure = (err: unknown): boolean =>
  err instanceof ServiceCallError ? err.retryable : err instanceof CircuitTimeoutError;

/**
 * A client for cross-subgraph effects (DESIGN.md: effects go through the owning subgraph's API).
 * Each call carries a service caller token (re-signed every 30 s) and times out after `timeoutMs`
 * (default: 10 000 ms; with a breaker, its timeout). With `breaker` (created with
 * `isFailure: isServiceFailure`), every call runs through it and is retried as idempotent: every
 * operation sent through a service client must be safe to repeat (reads, or writes keyed by an
 * order id, as reserveStock, releaseStock and commitCheckout are).
 * @throws CircuitOpenError (from `request`) while the breaker is open; CircuitTimeoutError when a call outlived the breaker's timeout.
 */
export function createServiceClient(options: {
  url: string;
  service: string;
  secret: string;
  timeoutMs?: number;
  breaker?: Breaker;
}): ServiceClient {
  const { breaker } = options;
  // With a breaker, its timeout decides; the fetch is aborted a little later, only to free the socket.
  const plain = createPlainClient({ ...options, timeoutMs: options.timeoutMs ?? (breaker ? breaker.settings.timeoutMs + 1_000 : 10_000) });
  if (!breaker) return plain;
  return {
    request: <T>(query: string, variables?: Record<string, unknown>) =>
      breaker.run(() => plain.request<T>(query, variables), { idempotent: true }),
  };
}

function createPlainClient(options: { url: string; service: string; secret: string; timeoutMs: number }): ServiceClient {
  const callerToken = serviceTokenSigner(options.service, options.secret);
  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const token = await callerToken();
      let response: HttpAnswer;
      try {
        response = await httpPost(
          options.url,
          JSON.stringify({ query, variables }),
          { 'content-type': 'application/json', [CALLER_TOKEN_HEADER]: token },
          options.timeoutMs,
        );
      } catch (err) {
        throw ServiceCallError.unavailable(options.url, (err as Error).message);
      }
      const body = parsedJson(response.body) as {
        data?: T;
        errors?: { message: string; extensions?: { code?: string } }[];
      } | null;
      const first = body?.errors?.[0];
      if (first) {
        const code = first.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
        if (code === ErrorCode.INTERNAL_SERVER_ERROR) throw ServiceCallError.unavailable(options.url, first.message);
        throw new ServiceCallError(options.url, first.message, code, false);
      }
      if (!answeredOk(response) || !body?.data) throw ServiceCallError.unavailable(options.url, `HTTP ${response.status}`);
      return body.data;
    },
  };
}

/** The JSON value of `text`, or null when it is not JSON (a proxy's HTML error page). */
function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
