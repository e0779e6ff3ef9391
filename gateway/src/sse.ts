import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createHandler, type Response as SseResponse } from 'graphql-sse';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { ErrorCode, type Logger } from '@commerce/common';
import { ConnectionBuffer } from './backpressure';
import type { StreamingOperations } from './operations';
import {
  checkRequestShape,
  codedSseResponse,
  perimeterErrorHandler,
  preventCsrf,
  refuse,
  sseRefusal,
  type SocketSession,
} from './perimeter';
import type { SubscriptionContext } from './subscriptions';

/** Path of the SSE endpoint, next to `/graphql` (graphql-sse's conventional `/graphql/stream`). */
export const SSE_PATH = '/graphql/stream';

export interface SseOptions {
  maxPendingEvents: number;
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

/** Writes a graphql-sse response to Express: a JSON answer at once, an event stream event by event until it ends or the client leaves. */
async function send(res: Response, [body, init]: SseResponse): Promise<void> {
  res.writeHead(init.status, init.statusText, init.headers);
  if (body === null || typeof body === 'string') {
    await new Promise<void>((resolve) => (body === null ? res.end(resolve) : res.end(body, resolve)));
    return;
  }
  const stop = () => void body.return(undefined);
  res.once('close', stop);
  try {
    for await (const event of body) {
      // The close event may come late: a response that cannot be written to is over.
      if (!res.writable) break;
      await new Promise<void>((resolve, reject) => res.write(event, (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    res.off('close', stop);
  }
  await new Promise<void>((resolve) => res.end(resolve));
}

/**
 * GraphQL over Server-Sent Events (the graphql-sse protocol, "distinct connections mode": one
 * request per operation) for clients that cannot open a WebSocket. Same operations, validation
 * and caller as graphql-ws: the Bearer token of the request's `Authorization` header (a bad one
 * is HTTP 401 UNAUTHENTICATED). A response whose bounded buffer overflows is cut (the client's
 * retry reconnects); close() ends every open stream on shutdown. graphql-sse's pings (every 12 s)
 * keep proxies from closing idle streams. Single connection mode (reservations) is refused with
 * 405 METHOD_NOT_ALLOWED, so every stream is one HTTP response the gateway can bound and close.
 *
 * The perimeter is HTTP's: the body was read by the gateway's body policy (graphql-sse never
 * reads the request stream), Apollo Server's CSRF rule and request-shape checks apply, and a
 * refused operation answers the status and coded body `/graphql` answers (429 with
 * `retryAfterSeconds` and `Retry-After` for a spent budget). Every refusal, graphql-sse's own
 * included, carries `extensions.code` and `requestId`. A throw anywhere in the handler becomes
 * a coded 500 for that request (the router's error middleware), never a dead process.
 */
export function sseRouter(
  operations: StreamingOperations,
  options: SseOptions,
): { router: Router; close: () => void; streamCount: () => number } {
  const open = new Set<Response>();
  const handler = createHandler<Request, { res: Response }, SseContext>({
    schema: () => operations.schema(),
    // The guard validated the document already, with graphql-js's specified rules and the limits.
    validate: () => [],
    // The same perimeter checks as every graphql-ws subscribe (limits, rate limit, token expiry).
    onSubscribe: async (req, params) => {
      const locals = req.context.res.locals as SseLocals;
      const checked = await operations.guard(locals.session, params, locals.requestId);
      if (isErrorList(checked)) return sseRefusal(checked, locals.requestId);
      const contextValue = operations.context(locals.session.caller, locals.buffer, locals.requestId, locals.session.clientIp);
      return { ...checked, contextValue: contextValue as unknown as SseContext };
    },
    execute: operations.execute,
    subscribe: operations.subscribe,
    onNext: (ctx) => {
      (ctx as unknown as SubscriptionContext).buffer.add();
    },
  });

  const serve = async (req: Request, res: Response) => {
    if (req.method === 'PUT' || req.headers['x-graphql-event-stream-token'] || req.query.token) {
      return refuse(res, 405, ErrorCode.METHOD_NOT_ALLOWED, 'Single connection mode is not supported; use distinct connections');
    }
    const body = req.body as { query?: unknown; extensions?: { persistedQuery?: unknown } } | undefined;
    if (body?.extensions?.persistedQuery && body.query === undefined) {
      return refuse(res, 400, ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, 'Persisted queries are not served over SSE; send the query');
    }
    let session: SocketSession;
    try {
      const { caller, expiresAt, sessionEpoch } = await operations.authenticate(req.headers.authorization);
      session = {
        caller,
        clientIp: req.ip ?? 'unknown',
        ...(expiresAt ? { expiresAt } : {}),
        ...(sessionEpoch !== undefined ? { sessionEpoch } : {}),
      };
    } catch (err) {
      return refuse(res, 401, ErrorCode.UNAUTHENTICATED, (err as Error).message);
    }
    const buffer = new ConnectionBuffer(
      options.maxPendingEvents,
      (reason) => {
        options.logger.warn({ reason }, 'closing a slow SSE consumer');
        options.onSlowConsumer?.();
        res.destroy();
      },
      'sse',
    );
    const locals: SseLocals = { session, buffer, requestId: res.locals.requestId as string };
    Object.assign(res.locals, locals);
    countDeliveries(res, buffer);
    open.add(res);
    // A revoked session (suspension, password reset) loses its stream at once.
    const untrack = operations.trackSession(session, () => res.end());
    res.once('close', () => {
      open.delete(res);
      untrack();
    });
    const answer = await handler({
      method: req.method,
      url: req.url,
      headers: {
        get: (key) => {
          const value = req.headers[key];
          return Array.isArray(value) ? value.join('\n') : value;
        },
      },
      // Parsed by the body policy; graphql-sse reads the URL of a GET.
      body: (req.body as Record<PropertyKey, unknown> | undefined) ?? null,
      raw: req,
      context: { res },
    });
    await send(res, codedSseResponse(answer, locals.requestId));
  };

  const router = express.Router();
  router.use(SSE_PATH, preventCsrf, checkRequestShape, (req: Request, res: Response, next: NextFunction) => {
    serve(req, res).catch(next);
  });
  router.use(SSE_PATH, perimeterErrorHandler(options.logger));

  return {
    router,
    streamCount: () => open.size,
    close: () => {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
