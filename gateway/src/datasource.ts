import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CALLER_TOKEN_HEADER, signCallerToken } from '@commerce/common';
import type { GatewayContext } from './context';
import { subgraphFetchDuration, type FetchOutcome } from './metrics';

/**
 * Sends each subgraph request with a caller token the gateway signs for this request's caller.
 * The header is always overwritten, so whatever a client sends never reaches a subgraph as identity.
 * Each fetch is timed into `commerce_gateway_subgraph_fetch_duration_seconds{subgraph,outcome}`.
 */
export class CallerForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    subgraph: string,
    url: string,
    private readonly internalSecret: string,
    timeoutMs: number,
  ) {
    // Every subgraph call is bounded, so one stuck subgraph cannot hold requests forever.
    super({
      url,
      fetcher: (async (input: string, init: RequestInit) => {
        const started = performance.now();
        let outcome: FetchOutcome = 'network_error';
        try {
          const response = await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
          outcome = response.ok ? 'ok' : 'http_error';
          return response;
        } catch (err) {
          if ((err as { name?: unknown } | undefined)?.name === 'TimeoutError') outcome = 'timeout';
          throw err;
        } finally {
          subgraphFetchDuration().observe({ subgraph, outcome }, (performance.now() - started) / 1000);
        }
      }) as never,
    });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const caller = 'caller' in context && context.caller ? context.caller : { kind: 'anonymous' as const };
    const clientIp = 'clientIp' in context ? context.clientIp : undefined;
    request.http?.headers.set(CALLER_TOKEN_HEADER, await signCallerToken(caller, this.internalSecret, clientIp));
    if ('requestId' in context && context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }
}
