import { randomUUID } from 'node:crypto';
import { print, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { Caller } from '@commerce/common';
import type { Authentication } from './auth';
import type { ConnectionBuffer } from './backpressure';
import type { OperationPayload, SocketSession } from './perimeter';
import type { QueryExecutor } from './coalesce';
import { subscribe, type SubscriptionContext, type SubscriptionServices } from './subscriptions';

/**
 * The one execution path of the streaming transports (graphql-ws and SSE), so both get the same
 * perimeter checks (`guard`: the limits HTTP gets, rate limit, token expiry), the same caller, and
 * the same subscription fields: queries and mutations go
 * through Apollo Server and the query planner like HTTP ones; subscriptions through subscribe().
 */
export interface StreamingOperations {
  /** The API schema of the current supergraph. @throws Error before the gateway has loaded it. */
  schema: () => GraphQLSchema;
  /**
   * The caller behind an `Authorization` value (none: anonymous).
   * @throws GraphQLError UNAUTHENTICATED for an invalid or expired token.
   */
  authenticate: (authorization: string | undefined) => Promise<Authentication>;
  /**
   * The perimeter's checks for one operation of a connection: token still valid, rate limit,
   * operation limits. Returns the execution arguments, or the errors to answer with (each
   * carrying `requestId`, the operation's correlation id).
   */
  guard: (session: SocketSession, payload: OperationPayload, requestId: string) => Promise<ExecutionArgs | readonly GraphQLError[]>;
  /**
   * Remembers a live connection of a signed-in session; `end` closes it if the session is revoked.
   * Returns the function to call when the connection closes.
   */
  trackSession: (session: SocketSession, end: () => void) => () => void;
  context: (caller: Caller, buffer: ConnectionBuffer, requestId?: string, clientIp?: string) => SubscriptionContext;
  execute: (args: ExecutionArgs) => Promise<ExecutionResult>;
  subscribe: (args: ExecutionArgs) => Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>;
}

export function streamingOperations(options: {
  schema: () => GraphQLSchema;
  authenticate: StreamingOperations['authenticate'];
  guard: StreamingOperations['guard'];
  trackSession: StreamingOperations['trackSession'];
  /** Runs an operation through Apollo Server (its plugins, formatError and the query planner). */
  execute: QueryExecutor;
  subscriptions: SubscriptionServices;
}): StreamingOperations {
  return {
    schema: options.schema,
    authenticate: options.authenticate,
    guard: options.guard,
    trackSession: options.trackSession,
    context: (caller, buffer, requestId, clientIp) => ({ caller, buffer, clientIp, requestId: requestId ?? randomUUID() }),
    execute: (args) =>
      options.execute(
        print(args.document),
        (args.variableValues ?? {}) as Record<string, unknown>,
        args.contextValue as SubscriptionContext,
      ),
    subscribe: (args) =>
      subscribe(
        {
          schema: args.schema,
          document: args.document,
          operationName: args.operationName,
          variableValues: args.variableValues as Record<string, unknown> | undefined,
          contextValue: args.contextValue as SubscriptionContext,
        },
        options.subscriptions,
      ),
  };
}
