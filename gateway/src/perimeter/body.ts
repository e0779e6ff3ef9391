import express, { type Request, type RequestHandler } from 'express';
import contentType from 'content-type';
import { ErrorCode } from '@commerce/common';
import { refuse } from './http';

/** Request-body media types the gateway reads (anything else is 415 on every route). */
export type BodyMediaType = 'application/json' | 'application/x-www-form-urlencoded';

/** A path prefix and the body media types its routes serve; a route serving none takes no body. */
export interface BodyRoute {
  /** Matches this path and every path below it (`/graphql` matches `/graphql/x`, not `/graphqlx`). */
  path: string;
  types: readonly BodyMediaType[];
}

/**
 * A body is on its way when the message has a transfer coding or a non-zero Content-Length
 * (RFC 9112 §6.3). `content-length: 0` is no body, so bodiless POSTs reach the handler's own check.
 */
const hasBody = (req: Request) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** The media type of a request's `content-type` (RFC 9110 §8.3, parameters dropped), undefined when absent or malformed. */
export function mediaTypeOf(req: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const header = req.headers['content-type'];
  if (typeof header !== 'string') return undefined;
  try {
    return contentType.parse(header).type;
  } catch {
    return undefined;
  }
}

/**
 * The one body limit and content-type policy of every gateway route, run before any route
 * handler can touch the body. The route is the longest `routes` prefix of the path (a path in
 * none serves no body). A body whose `content-type` is missing, malformed or not one the route
 * serves is refused with 415 UNSUPPORTED_MEDIA_TYPE before a byte of it is read: the media
 * type is parsed properly (RFC 9110 §8.3.1, the `content-type` package), so
 * `text/plain; x=application/json` is text/plain. An accepted body is read by body-parser, which
 * counts the bytes on the stream itself (a lying or absent Content-Length, chunked encoding and
 * gzip/deflate/br after inflation are all held to `maxBodyBytes`): over the cap its error becomes
 * 413 PAYLOAD_TOO_LARGE in {@link perimeterErrorHandler}. The parsed body is `req.body`; handlers
 * downstream (Apollo Server, graphql-sse, bull-board) never read the raw stream.
 * @param maxBodyBytes the cap, in bytes (decoded), the same for every route.
 */
export function bodyPolicy(maxBodyBytes: number, routes: readonly BodyRoute[]): RequestHandler {
  const parsers: Record<BodyMediaType, RequestHandler> = {
    'application/json': express.json({ limit: maxBodyBytes, type: 'application/json' }),
    'application/x-www-form-urlencoded': express.urlencoded({
      limit: maxBodyBytes,
      extended: false,
      type: 'application/x-www-form-urlencoded',
    }),
  };
  const byLength = [...routes].sort((a, b) => b.path.length - a.path.length);
  const routeOf = (path: string) => byLength.find((r) => path === r.path || path.startsWith(`${r.path}/`));
  return (req, res, next) => {
    if (!hasBody(req)) {
      // Read, and empty: what body-parser leaves for a bodiless request (Apollo's Express integration checks for it).
      if (!Object.hasOwn(req, 'body')) req.body = undefined;
      return next();
    }
    const served = routeOf(req.path)?.types ?? [];
    const type = mediaTypeOf(req);
    const accepted = served.find((t) => t === type);
    if (!accepted) {
      const message =
        served.length === 0
          ? 'This route takes no request body'
          : `Unsupported content-type ${JSON.stringify(type ?? req.headers['content-type'] ?? null)}; send ${served.join(' or ')}`;
      // The unread rest of the body is drained by Node's HTTP server once this answer is sent.
      return refuse(res, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, message);
    }
    parsers[accepted](req, res, next);
  };
}
