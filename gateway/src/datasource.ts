import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import {
  CALLER_TOKEN_HEADER,
  CART_TOKEN_HEADER,
  DomainError,
  ErrorCode,
  HttpPostError,
  answeredOk,
  httpPost,
  type CallerTokenSigner,
} from '@commerce/common';
import type { GatewayContext } from './context';
import { callerKey } from './caller-key';
import { InflightFetches } from './inflight';
import { subgraphFetchDeduplicated, subgraphFetchDuration, type FetchOutcome } from './metrics';

/**
 * A subgraph did not answer: unreachable, closed the connection, answered 5xx, or outlived
 * SUBGRAPH_TIMEOUT_MS (`extensions.timedOut`). The fields it owns resolve to null with this error;
 * the rest of the response is still served (partial data). Retryable (`extensions.retryable`).
 */
export class SubgraphUnavailableError extends DomainError {
  constructor(service: string, timedOut: boolean) {
    super(
      timedOut ? `The ${service} service did not answer in time` : `The ${service} service is unavailable`,
      ErrorCode.SUBGRAPH_UNAVAILABLE,
      // retryable: true comes with the code (RETRYABLE_CODES); a timed-out mutation may have been done.
      { service, timedOut },
    );
  }
}

/** A document whose (first) operation is a query: `query …` or the `{ … }` shorthand. */
const QUERY_DOCUMENT = /^\s*(query\b|\{)/;

/** The fetch got no answer within SUBGRAPH_TIMEOUT_MS. */
const isTimeout = (err: unknown) => err instanceof HttpPostError && err.timedOut;

/** What says the subgraph is down rather than answering: no HTTP answer at all (a POST error), or a 5xx one. */
const isUnavailable = (err: unknown) => {
  if (!(err instanceof GraphQLError)) return err instanceof HttpPostError;
  const status = (err.extensions.response as { status?: number } | undefined)?.status;
  return status !== undefined && status >= 500;
};

/**
 * Sends each subgraph request with a caller token the gateway signs for this request's caller.
 * The header is always overwritten, so whatever a client sends never reaches a subgraph as identity.
 * Of the client's own headers only X-Cart-Token passes, unchanged and unvouched for.
 * A subgraph that is down or hangs becomes {@link SubgraphUnavailableError} for its fields.
 * Each fetch is timed into `commerce_gateway_subgraph_fetch_duration_seconds{subgraph,outcome}`.
 * Identical concurrent query fetches share one request through `inflight` (see {@link InflightFetches}
 * for what is shared with whom).
 */
export class CallerForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** @param subgraph its name in the supergraph: the metric label and `extensions.service` of its errors. */
  constructor(
    private readonly subgraph: string,
    url: string,
    /** Signs the caller token of each fetch (callerTokenSigner: one token per caller and half-minute). */
    private readonly signCallerToken: CallerTokenSigner,
    timeoutMs: number,
    private readonly inflight: InflightFetches = new InflightFetches(false),
  ) {
    // Every subgraph call is bounded, so one stuck subgraph cannot hold requests forever.
    super({
      url,
      fetcher: inflight.sharing(
        async (input, { body, headers }) => {
          const started = performance.now();
          let outcome: FetchOutcome = 'network_error';
          try {
            const answer = await httpPost(input, body, headers, timeoutMs);
            outcome = answeredOk(answer) ? 'ok' : 'http_error';
            return answer;
          } catch (err) {
            if (isTimeout(err)) outcome = 'timeout';
            throw err;
          } finally {
            subgraphFetchDuration().observe({ subgraph, outcome }, (performance.now() - started) / 1000);
          }
        },
        () => subgraphFetchDeduplicated().inc({ subgraph }),
      ) as never,
    });
  }

  override process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']> {
    // Schema loading and health checks are no client's operation (the enum of their kinds is not exported).
    if (!('incomingRequestContext' in options)) return super.process(options);
    if (options.incomingRequestContext.operation?.operation !== 'query') return this.inflight.write(() => super.process(options));
    // The planner writes a query operation's fetches as queries; the check keeps anything else out of sharing.
    if (!QUERY_DOCUMENT.test(options.request.query ?? '')) return super.process(options);
    const { context } = options;
    const identity = `${'caller' in context && context.caller ? callerKey(context.caller) : 'anonymous'}\u0000${context.cartToken ?? ''}`;
    return this.inflight.scope(identity, () => super.process(options));
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const caller = 'caller' in context && context.caller ? context.caller : { kind: 'anonymous' as const };
    const clientIp = 'clientIp' in context ? context.clientIp : undefined;
    request.http?.headers.set(CALLER_TOKEN_HEADER, await this.signCallerToken(caller, clientIp));
    if ('requestId' in context && context.requestId) request.http?.headers.set('x-request-id', context.requestId);
    if ('cartToken' in context && context.cartToken) request.http?.headers.set(CART_TOKEN_HEADER, context.cartToken);
  }

  override didEncounterError(error: Error): void {
    if (isUnavailable(error)) throw new SubgraphUnavailableError(this.subgraph, isTimeout(error));
    throw error;
  }
}
