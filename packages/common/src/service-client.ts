import { signCallerToken, CALLER_TOKEN_HEADER } from './caller';
import { DomainError, ErrorCode } from './errors';

/** A subgraph answered with errors or could not be reached. `code` is the subgraph's `extensions.code`. */
export class ServiceCallError extends DomainError {
  constructor(
    readonly service: string,
    message: string,
    code: string,
    readonly retryable: boolean,
  ) {
    super(`${service}: ${message}`, code);
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
 * A client for cross-subgraph effects (DESIGN.md: effects go through the owning subgraph's API).
 * Each call carries a freshly signed service caller token and times out after `timeoutMs`.
 */
export function createServiceClient(options: { url: string; service: string; secret: string; timeoutMs?: number }): ServiceClient {
  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const token = await signCallerToken({ kind: 'service', service: options.service }, options.secret);
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CALLER_TOKEN_HEADER]: token },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new ServiceCallError(options.url, (err as Error).message, ErrorCode.INTERNAL_SERVER_ERROR, true);
      }
      const body = (await response.json().catch(() => null)) as {
        data?: T;
        errors?: { message: string; extensions?: { code?: string } }[];
      } | null;
      const first = body?.errors?.[0];
      if (first) {
        const code = first.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
        throw new ServiceCallError(options.url, first.message, code, code === ErrorCode.INTERNAL_SERVER_ERROR);
      }
      if (!response.ok || !body?.data) {
        throw new ServiceCallError(options.url, `HTTP ${response.status}`, ErrorCode.INTERNAL_SERVER_ERROR, true);
      }
      return body.data;
    },
  };
}
