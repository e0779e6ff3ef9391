import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { ANONYMOUS, type Caller, type Logger } from '@commerce/common';
import { callerFromAuthorization } from './auth';
import { ConnectionBuffer, SLOW_CONSUMER_CLOSE_CODE } from './backpressure';
import type { StreamingOperations } from './operations';

export interface WebSocketOptions {
  jwtSecret: string;
  /** Milliseconds between keep-alive pings; a socket that misses the pong is terminated. */
  keepAliveMs: number;
  maxPendingEvents: number;
  logger: Logger;
  /** Called each time a slow connection is closed (for stats). */
  onSlowConsumer?: () => void;
}

interface ConnectionState {
  caller: Caller;
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
 * with 4403 Forbidden. Pings every `keepAliveMs`. A connection whose bounded buffer overflows is
 * closed with 1013; dispose() closes every socket with 1001 Going Away.
 */
export function serveWebSocket(httpServer: http.Server, operations: StreamingOperations, options: WebSocketOptions) {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const connections = new WeakMap<object, ConnectionState>();
  const server = useServer<Record<string, unknown>, { socket: WebSocket }>(
    {
      schema: () => operations.schema(),
      validate: operations.validate,
      onConnect: async (ctx) => {
        try {
          const caller = await callerFromAuthorization(authorizationParam(ctx.connectionParams ?? {}), options.jwtSecret);
          const socket = ctx.extra.socket;
          const buffer = new ConnectionBuffer(options.maxPendingEvents, (reason) => {
            options.logger.warn({ reason }, 'closing a slow graphql-ws consumer');
            options.onSlowConsumer?.();
            // The close frame queues behind what the client has not read yet: a client that reads
            // again sees the code; one that never does is terminated by the keep-alive.
            socket.close(SLOW_CONSUMER_CLOSE_CODE, reason);
          });
          connections.set(ctx.extra, { caller, buffer });
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx) => {
        const state = connections.get(ctx.extra);
        return operations.context(
          state?.caller ?? ANONYMOUS,
          state?.buffer ?? new ConnectionBuffer(options.maxPendingEvents, () => undefined),
        );
      },
      execute: operations.execute,
      subscribe: operations.subscribe,
    },
    wsServer,
    options.keepAliveMs,
  );
  return { dispose: () => server.dispose(), connectionCount: () => wsServer.clients.size };
}
