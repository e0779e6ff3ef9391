import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { ErrorCode, type Logger } from '@commerce/common';
import { ConnectionBuffer, SLOW_CONSUMER_CLOSE_CODE } from './backpressure';
import type { StreamingOperations } from './operations';
import { clientAddress, type SocketSession } from './perimeter';

export interface WebSocketOptions {
  /** A socket that does not send `connection_init` within this many ms is closed (4408). */
  initTimeoutMs: number;
  /** Largest message a client may send, bytes. */
  maxPayloadBytes: number;
  /** Reverse-proxy hops whose X-Forwarded-For is trusted for the client address. */
  trustProxy: number;
  /** Milliseconds between keep-alive pings; a socket that misses the pong is terminated. */
  keepAliveMs: number;
  maxPendingEvents: number;
  logger: Logger;
  /** Called each time a slow connection is closed (for stats). */
  onSlowConsumer?: () => void;
}

interface ConnectionState {
  session: SocketSession;
  buffer: ConnectionBuffer;
}

/** `authorization` (or `Authorization`, or a bare `accessToken`) from graphql-ws connection params. */
function authorizationParam(params: Record<string, unknown>): string | undefined {
  const raw = params.authorization ?? params.Authorization ?? (params.accessToken ? `Bearer ${String(params.accessToken)}` : undefined);
  return typeof raw === 'string' ? raw : undefined;
}

/**
 * graphql-ws (graphql-transport-ws protocol) on `/graphql` of `httpServer`. Authenticated once per
 * connection from `connectionParams.authorization`: no token is an anonymous connection (it may
 * follow product stock; order subscriptions answer UNAUTHENTICATED), a bad token closes the socket
 * with 4403 Forbidden, and so does a revoked session (suspension, password reset) at once. Every subscribe passes the perimeter's guard (token expiry re-checked, rate
 * limit, operation limits). Pings every `keepAliveMs`. A connection whose bounded buffer overflows is
 * closed with 1013; dispose() closes every socket with 1001 Going Away.
 */
export function serveWebSocket(httpServer: http.Server, operations: StreamingOperations, options: WebSocketOptions) {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: options.maxPayloadBytes });
  const connections = new WeakMap<object, ConnectionState>();
  const server = useServer<Record<string, unknown>, { socket: WebSocket; request: http.IncomingMessage }>(
    {
      schema: () => operations.schema(),
      connectionInitWaitTimeout: options.initTimeoutMs,
      onConnect: async (ctx) => {
        try {
          const { caller, expiresAt, sessionEpoch } = await operations.authenticate(authorizationParam(ctx.connectionParams ?? {}));
          const session: SocketSession = {
            caller,
            clientIp: clientAddress(ctx.extra.request, options.trustProxy),
            ...(expiresAt ? { expiresAt } : {}),
            ...(sessionEpoch !== undefined ? { sessionEpoch } : {}),
          };
          const socket = ctx.extra.socket;
          // A revoked session (suspension, password reset) loses its socket at once: 4403 as for a bad token.
          const untrack = operations.trackSession(session, () => socket.close(4403, ErrorCode.UNAUTHENTICATED));
          socket.once('close', untrack);
          const buffer = new ConnectionBuffer(
            options.maxPendingEvents,
            (reason) => {
              options.logger.warn({ reason }, 'closing a slow graphql-ws consumer');
              options.onSlowConsumer?.();
              // The close frame queues behind what the client has not read yet: a client that reads
              // again sees the code; one that never does is terminated by the keep-alive.
              socket.close(SLOW_CONSUMER_CLOSE_CODE, reason);
            },
            'ws',
          );
          connections.set(ctx.extra, { session, buffer });
          return true;
        } catch {
          // graphql-ws then closes with 4403 as well; the reason names the code HTTP and SSE answer (401 UNAUTHENTICATED).
          ctx.extra.socket.close(4403, ErrorCode.UNAUTHENTICATED);
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = connections.get(ctx.extra);
        if (!state) return [new GraphQLError('Not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })];
        // One correlation id per operation, in its refusals and in its execution's errors.
        const requestId = randomUUID();
        const checked = await operations.guard(state.session, payload, requestId);
        if (Array.isArray(checked)) return checked as readonly GraphQLError[];
        const args = checked as ExecutionArgs;
        return { ...args, contextValue: operations.context(state.session.caller, state.buffer, requestId, state.session.clientIp) };
      },
      execute: operations.execute,
      subscribe: operations.subscribe,
    },
    wsServer,
    options.keepAliveMs,
  );
  return { dispose: () => server.dispose(), connectionCount: () => wsServer.clients.size };
}
