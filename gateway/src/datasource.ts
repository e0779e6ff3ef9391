import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CALLER_TOKEN_HEADER, CART_TOKEN_HEADER, signCallerToken } from '@commerce/common';
import type { GatewayContext } from './context';

/**
 * Sends each subgraph request with a caller token the gateway signs for this request's caller.
 * The header is always overwritten, so whatever a client sends never reaches a subgraph as identity.
 * Of the client's own headers only X-Cart-Token passes, unchanged and unvouched for.
 */
export class CallerForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly internalSecret: string,
    timeoutMs: number,
  ) {
    // Every subgraph call is bounded, so one stuck subgraph cannot hold requests forever.
    super({
      url,
      fetcher: (input, init) => fetch(input, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) }) as never,
    });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const caller = 'caller' in context && context.caller ? context.caller : { kind: 'anonymous' as const };
    const clientIp = 'clientIp' in context ? context.clientIp : undefined;
    request.http?.headers.set(CALLER_TOKEN_HEADER, await signCallerToken(caller, this.internalSecret, clientIp));
    if ('requestId' in context && context.requestId) request.http?.headers.set('x-request-id', context.requestId);
    if ('cartToken' in context && context.cartToken) request.http?.headers.set(CART_TOKEN_HEADER, context.cartToken);
  }
}
