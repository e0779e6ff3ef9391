import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { RateLimitedError, type Logger } from '@commerce/common';

/** The one JSON shape of every refusal the HTTP perimeter gives before GraphQL runs. */
function refuse(res: Response, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set(headers)
    .json({ errors: [{ message, extensions: { code, requestId: res.locals.requestId as string | undefined } }] });
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
  if (!isObject(body)) return refuse(res, 400, 'BAD_REQUEST', 'The request body must be a JSON object');
  const { query, variables, operationName, extensions } = body as Record<string, unknown>;
  if (query !== undefined && typeof query !== 'string') return refuse(res, 400, 'BAD_REQUEST', '`query` must be a string');
  if (variables != null && !isObject(variables)) return refuse(res, 400, 'BAD_REQUEST', '`variables` must be an object');
  if (operationName != null && typeof operationName !== 'string')
    return refuse(res, 400, 'BAD_REQUEST', '`operationName` must be a string');
  if (extensions != null && !isObject(extensions)) return refuse(res, 400, 'BAD_REQUEST', '`extensions` must be an object');
  next();
};

/**
 * Errors raised before GraphQL (body-parser: malformed JSON, body over the cap, bad charset)
 * become GraphQL-shaped errors with a code instead of Express's HTML page; anything else is
 * logged and masked.
 */
export function perimeterErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.too.large') return refuse(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    if (type === 'entity.parse.failed') return refuse(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported')
      return refuse(res, 415, 'BAD_REQUEST', 'Unsupported body encoding');
    if (typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500) {
      return refuse(res, (err as { status: number }).status, 'BAD_REQUEST', 'Malformed request');
    }
    logger.error({ err, requestId: res.locals.requestId }, 'unexpected error before GraphQL');
    refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
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
