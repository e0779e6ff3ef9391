import { createHash, randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { ErrorCode, RateLimitedError, type Logger } from '@commerce/common';

/**
 * The one JSON shape of every refusal the HTTP perimeter gives before GraphQL runs:
 * `{ errors: [{ message, extensions: { code, requestId } }] }` with `status`.
 */
export function refuse(res: Response, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set(headers)
    .json({ errors: [{ message, extensions: { code, requestId: res.locals.requestId as string | undefined } }] });
}

/**
 * The HTTP status Apollo Server gives a refusal with this code on `/graphql`, so the other
 * transports answer the same: 401 for a bad token, 429 for a spent budget, 500 for our own
 * failures, 400 for every other request error.
 */
export function httpStatusOf(code: unknown): number {
  if (code === ErrorCode.UNAUTHENTICATED) return 401;
  if (code === ErrorCode.RATE_LIMITED) return 429;
  if (code === ErrorCode.INTERNAL_SERVER_ERROR) return 500;
  return 400;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Gives each request a correlation id (a well-formed `x-request-id` from the client, else a new UUID), echoed in the response header. */
export const assignRequestId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  res.locals.requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.set('x-request-id', res.locals.requestId as string);
  next();
};

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The shape of a POSTed GraphQL request (GraphQL over HTTP spec §5): one JSON object with a string
 * `query`, and `variables`/`extensions` objects and a string `operationName` when present.
 * Batched operations (a JSON array) multiply one request's cost and are refused
 * (400 BATCHING_NOT_SUPPORTED); any other shape is 400 BAD_REQUEST. Checked here so these
 * refusals carry the correlation id like every other error.
 */
export const checkRequestShape: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST' || req.body === undefined) return next();
  const body: unknown = req.body;
  if (Array.isArray(body))
    return refuse(res, 400, 'BATCHING_NOT_SUPPORTED', 'Batched requests are not supported; send one operation per request');
  if (!isObject(body)) return refuse(res, 400, ErrorCode.BAD_REQUEST, 'The request body must be a JSON object');
  const { query, variables, operationName, extensions } = body as Record<string, unknown>;
  if (query !== undefined && typeof query !== 'string') return refuse(res, 400, ErrorCode.BAD_REQUEST, '`query` must be a string');
  if (variables != null && !isObject(variables)) return refuse(res, 400, ErrorCode.BAD_REQUEST, '`variables` must be an object');
  if (operationName != null && typeof operationName !== 'string')
    return refuse(res, 400, ErrorCode.BAD_REQUEST, '`operationName` must be a string');
  if (extensions != null && !isObject(extensions)) return refuse(res, 400, ErrorCode.BAD_REQUEST, '`extensions` must be an object');
  const persisted = persistedQueryRefusal(extensions as Record<string, unknown> | undefined, query);
  if (persisted) return refuse(res, 400, persisted.code, persisted.message);
  next();
};

/**
 * The same persisted-query checks for GET requests (`?extensions=<JSON>`); unparsable JSON is left
 * to Apollo Server, which answers it with 400 BAD_REQUEST itself.
 */
export const checkPersistedQueryOnGet: RequestHandler = (req, res, next) => {
  if (req.method !== 'GET' || typeof req.query.extensions !== 'string') return next();
  let extensions: unknown;
  try {
    extensions = JSON.parse(req.query.extensions);
  } catch {
    return next();
  }
  const query = typeof req.query.query === 'string' ? req.query.query : undefined;
  const persisted = isObject(extensions) ? persistedQueryRefusal(extensions as Record<string, unknown>, query) : undefined;
  if (persisted) return refuse(res, 400, persisted.code, persisted.message);
  next();
};

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Automatic persisted queries (Apollo's APQ protocol, `extensions.persistedQuery = { version: 1,
 * sha256Hash }`): the mistakes Apollo Server refuses with a code-less error (which it then codes
 * INTERNAL_SERVER_ERROR, and formatError masks as our own failure) get the codes Apollo clients
 * act on, with Apollo Server's status (400): a version other than 1 is PERSISTED_QUERY_NOT_SUPPORTED
 * (apollo-link-persisted-queries then sends the full query), a hash that is not the SHA-256 of
 * the query sent with it, or a malformed `persistedQuery`, is BAD_REQUEST. An unknown hash without
 * a query is left to Apollo Server: 200 PERSISTED_QUERY_NOT_FOUND, and the client registers it.
 */
export function persistedQueryRefusal(
  extensions: Record<string, unknown> | undefined,
  query: unknown,
): { code: string; message: string } | undefined {
  const persisted = extensions?.persistedQuery;
  if (persisted === undefined || persisted === null) return undefined;
  if (!isObject(persisted)) return { code: ErrorCode.BAD_REQUEST, message: '`extensions.persistedQuery` must be an object' };
  const { version, sha256Hash } = persisted as Record<string, unknown>;
  if (version !== 1)
    return { code: ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, message: 'Unsupported persisted query version; only version 1 is' };
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash))
    return { code: ErrorCode.BAD_REQUEST, message: '`extensions.persistedQuery.sha256Hash` must be 64 lowercase hex digits' };
  if (typeof query === 'string' && createHash('sha256').update(query).digest('hex') !== sha256Hash)
    return { code: ErrorCode.BAD_REQUEST, message: 'provided sha does not match query' };
  return undefined;
}

/** Any path the gateway does not serve: 404 NOT_FOUND in the refusal shape (instead of Express's HTML page). */
export const notFound: RequestHandler = (_req, res) => refuse(res, 404, ErrorCode.NOT_FOUND, 'Not found');

/**
 * The Express error middleware of the app and of every router: an error raised before or around
 * GraphQL (body-parser: malformed JSON, body over the cap, bad charset or encoding; a handler's
 * throw or rejection) becomes a GraphQL-shaped error with a code for that request alone, instead
 * of Express's HTML page or a dead process; an unexpected one is logged and masked as 500
 * INTERNAL_SERVER_ERROR. After the headers are out (a stream) the response is ended.
 */
export function perimeterErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) {
      logger.warn({ err, requestId: res.locals.requestId }, 'error after the response started; ending it');
      res.end();
      return;
    }
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.too.large' || type === 'parameters.too.many')
      return refuse(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, 'Request body is too large');
    if (type === 'entity.parse.failed') return refuse(res, 400, ErrorCode.BAD_REQUEST, 'Request body is not valid JSON');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported')
      return refuse(res, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Unsupported body encoding or charset');
    if (typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500) {
      return refuse(res, (err as { status: number }).status, ErrorCode.BAD_REQUEST, 'Malformed request');
    }
    logger.error({ err, requestId: res.locals.requestId }, 'unexpected error before GraphQL');
    refuse(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
  };
}

/**
 * A rate-limit refusal as Apollo Server sends it from the context function: HTTP 429 with
 * `Retry-After` (RFC 9110 §10.2.3) and `extensions.retryAfterSeconds`.
 */
export function rateLimitedGraphQLError(error: RateLimitedError, requestId: string): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      retryAfterSeconds: error.retryAfterSeconds,
      requestId,
      http: { status: 429, headers: new Map([['retry-after', String(error.retryAfterSeconds)]]) },
    },
  });
}

/**
 * The client address of a raw request (the graphql-ws upgrade), by the same rule as Express's
 * numeric `trust proxy`: with `hops` trusted proxies in front, the address `hops` entries from
 * the right of `socket address ← X-Forwarded-For`. With 0 hops, the socket address.
 */
export function clientAddress(
  request: { headers: Record<string, string | string[] | undefined>; socket: { remoteAddress?: string } },
  hops: number,
): string {
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const chain = [request.socket.remoteAddress ?? 'unknown', ...forwarded.reverse()];
  return chain[Math.min(hops, chain.length - 1)]!;
}
