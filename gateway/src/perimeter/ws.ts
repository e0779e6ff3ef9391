import type { ExecutionArgs, GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import { RateLimitedError, TOKEN_CLOCK_TOLERANCE_SECONDS, type Caller, type Logger } from '@commerce/common';
import type { OperationLimits } from './limits';
import { admit } from './admission';
import type { DocumentChecks } from './document-checks';
import type { RequestRateLimiter } from './rate-limit';
import { validateOperation, type OperationPayload } from './validate-operation';

/** What a graphql-ws connection proved in `connection_init`, kept for each later subscribe. */
export interface SocketSession {
  caller: Caller;
  /** Access-token expiry, seconds since the epoch. */
  expiresAt?: number;
  /** The token's session epoch; a revoked one fails every later subscribe. */
  sessionEpoch?: number;
  clientIp: string;
}

export interface SubscribeGuardOptions {
  schema: () => GraphQLSchema;
  limits: OperationLimits;
  hideSchemaDetails: boolean;
  limiter: RequestRateLimiter;
  /** Whether the session's epoch is still current (session-revocations.ts); absent: not checked. */
  sessionIsCurrent?: (userId: number, sessionEpoch: number) => Promise<boolean>;
  /** Per-document checks kept by document hash (shared with the HTTP path's plugin). */
  documents?: DocumentChecks;
  logger: Logger;
}

/**
 * graphql-ws `onSubscribe` (and the SSE path) for one socket: the connection's token must still
 * be valid (expiry and session revocation re-checked on every subscribe), the request budget not spent, and the operation must
 * pass exactly the checks an HTTP request passes. Returns the execution arguments, or the errors
 * graphql-ws sends back as an `error` message (the socket stays open) and SSE as its answer;
 * every error carries the operation's `requestId` in its extensions, as on HTTP.
 */
export async function guardSubscribe(
  session: SocketSession | undefined,
  payload: OperationPayload,
  options: SubscribeGuardOptions,
  requestId: string,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const checked = await check(session, payload, options);
  if (!Array.isArray(checked)) return checked;
  return (checked as readonly GraphQLError[]).map(
    (e) =>
      new GraphQLError(e.message, {
        nodes: e.nodes,
        ...(e.source ? { source: e.source } : {}),
        ...(e.positions ? { positions: e.positions } : {}),
        extensions: { ...e.extensions, requestId },
      }),
  );
}

async function check(
  session: SocketSession | undefined,
  payload: OperationPayload,
  options: SubscribeGuardOptions,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  try {
    if (!session) return [new GraphQLError('Not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })];
    if (session.expiresAt !== undefined && Date.now() / 1000 > session.expiresAt + TOKEN_CLOCK_TOLERANCE_SECONDS) {
      return [new GraphQLError('Access token expired; reconnect with a new one', { extensions: { code: 'UNAUTHENTICATED' } })];
    }
    if (!(await admit(session.caller, session.sessionEpoch, session.clientIp, options))) {
      return [new GraphQLError('Session ended; sign in again', { extensions: { code: 'UNAUTHENTICATED' } })];
    }
    const checked = validateOperation(options.schema(), payload, options.limits, {
      hideSchemaDetails: options.hideSchemaDetails,
      ...(options.documents ? { cache: options.documents } : {}),
    });
    if ('errors' in checked) return checked.errors;
    return {
      schema: options.schema(),
      document: checked.document,
      variableValues: checked.variables,
      ...(checked.operationName ? { operationName: checked.operationName } : {}),
    };
  } catch (err) {
    if (err instanceof RateLimitedError) {
      return [new GraphQLError(err.message, { extensions: { code: err.code, retryAfterSeconds: err.retryAfterSeconds } })];
    }
    options.logger.error({ err }, 'subscribe guard failed');
    return [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
  }
}
