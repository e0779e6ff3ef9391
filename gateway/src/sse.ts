import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import cors from 'cors';
import { createHandler } from 'graphql-sse/lib/use/express';
import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import type { Logger } from '@commerce/common';
import { ConnectionBuffer } from './backpressure';
import type { StreamingOperations } from './operations';
import type { SocketSession } from './perimeter';
import type { SubscriptionContext } from './subscriptions';

/** Path of the SSE endpoint, next to `/graphql` (graphql-sse's conventional `/graphql/stream`). */
export const SSE_PATH = '/graphql/stream';

export interface SseOptions {
  maxPendingEvents: number;
  /** Largest request body, bytes. */
  maxBodyBytes: number;
  logger: Logger;
  /** Called each time a slow stream is cut (for stats). */
  onSlowConsumer?: () => void;
}

interface SseLocals {
  session: SocketSession;
  buffer: ConnectionBuffer;
  requestId: string;
}

const NEXT_EVENT = 'event: next';

const isErrorList = (value: ExecutionArgs | readonly GraphQLError[]): value is readonly GraphQLError[] => Array.isArray(value);

/** graphql-sse types its context as an indexable record; ours is a SubscriptionContext. */
type SseContext = Record<PropertyKey, unknown>;

/**
 * Counts a `next` event as delivered once the response has written it to the socket: with the
 * ConnectionBuffer's count of produced events, that bounds what a client that does not read
 * can make the gateway hold (graphql-sse itself queues without limit).
 */
function countDeliveries(res: Response, buffer: ConnectionBuffer): void {
  const write = res.write.bind(res) as (chunk: unknown, callback?: (error?: Error | null) => void) => boolean;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    const callback = rest.find((r): r is (error?: Error | null) => void => typeof r === 'function');
    const isEvent = typeof chunk === 'string' && chunk.startsWith(NEXT_EVENT);
    return write(chunk, (error) => {
      if (isEvent) buffer.delivered();
      callback?.(error);
    });
  }) as Response['write'];
}

/**
 * GraphQL over Server-Sent Events (the graphql-sse protocol, "distinct connections mode": one
 * request per operation) for clients that cannot open a WebSocket. Same operations, validation
 * and caller as graphql-ws: the Bearer token of the request's `Authorization` header (a bad one
 * is HTTP 401 UNAUTHENTICATED). A response whose bounded buffer overflows is cut (the client's
 * retry reconnects); close() ends every open stream on shutdown. graphql-sse's pings (every 12 s)
 * keep proxies from closing idle streams. Single connection mode (reservations) is refused with
 * 405, so every stream is one HTTP response the gateway can bound and close.
 */
export function sseRouter(
  operations: StreamingOperations,
  options: SseOptions,
): { router: Router; close: () => void; streamCount: () => number } {
  const open = new Set<Response>();
  const handler = createHandler<SseContext>({
    schema: () => operations.schema(),
    // The same perimeter checks as every graphql-ws subscribe (limits, rate limit, token expiry).
    onSubscribe: async (req, params) => {
      const locals = req.context.res.locals as SseLocals;
      const checked = await operations.guard(locals.session, params);
      if (isErrorList(checked)) return { errors: [...checked] } as ExecutionResult;
      const contextValue = operations.context(locals.session.caller, locals.buffer, locals.requestId, locals.session.clientIp);
      return { ...checked, contextValue: contextValue as unknown as SseContext };
    },
    execute: operations.execute,
    subscribe: operations.subscribe,
    onNext: (ctx) => {
      (ctx as unknown as SubscriptionContext).buffer.add();
    },
  });

  const router = express.Router();
  router.use(SSE_PATH, cors<cors.CorsRequest>(), express.json({ limit: options.maxBodyBytes }), async (req: Request, res: Response) => {
    if (req.method === 'PUT' || req.headers['x-graphql-event-stream-token'] || req.query.token) {
      res.status(405).json({ errors: [{ message: 'Single connection mode is not supported; use distinct connections' }] });
      return;
    }
    let session: SocketSession;
    try {
      const { caller, expiresAt } = await operations.authenticate(req.headers.authorization);
      session = { caller, clientIp: req.ip ?? 'unknown', ...(expiresAt ? { expiresAt } : {}) };
    } catch (err) {
      const error = err as { message: string; extensions?: Record<string, unknown> };
      res.status(401).json({ errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    const buffer = new ConnectionBuffer(options.maxPendingEvents, (reason) => {
      options.logger.warn({ reason }, 'closing a slow SSE consumer');
      options.onSlowConsumer?.();
      res.destroy();
    });
    const locals: SseLocals = { session, buffer, requestId: (req.headers['x-request-id'] as string | undefined) ?? randomUUID() };
    Object.assign(res.locals, locals);
    countDeliveries(res, buffer);
    open.add(res);
    res.once('close', () => open.delete(res));
    try {
      await handler(req, res);
    } catch (err) {
      options.logger.error({ err }, 'SSE request failed');
      if (!res.headersSent)
        res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    }
  });

  return {
    router,
    streamCount: () => open.size,
    close: () => {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
