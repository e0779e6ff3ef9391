import { STATUS_CODES as HTTP_STATUS_TEXT } from 'node:http';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Response as SseResponse, ResponseHeaders } from 'graphql-sse';
import { ErrorCode } from '@commerce/common';
import { httpStatusOf } from './http';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Codes of graphql-sse's own refusals (graphql-sse 2.6 handler.js), by message; the codes are
 * the ones Apollo Server gives the same mistake on `/graphql` (a mutation over GET is 405
 * BAD_REQUEST there too).
 */
const MESSAGE_CODES: Record<string, string> = {
  'Missing query': ErrorCode.BAD_REQUEST,
  'Invalid query': ErrorCode.BAD_REQUEST,
  'Invalid variables': ErrorCode.BAD_REQUEST,
  'Invalid extensions': ErrorCode.BAD_REQUEST,
  'Missing body': ErrorCode.BAD_REQUEST,
  'JSON body must be an object': ErrorCode.BAD_REQUEST,
  'Unparsable URL': ErrorCode.BAD_REQUEST,
  'Operation ID is missing': ErrorCode.BAD_REQUEST,
  'Cannot perform mutations over GET': ErrorCode.BAD_REQUEST,
  'Unable to detect operation AST': 'OPERATION_RESOLUTION_FAILURE',
  'Stream not found': ErrorCode.NOT_FOUND,
  'Stream already open': ErrorCode.CONFLICT,
  'Stream already registered': ErrorCode.CONFLICT,
  'Operation with ID already exists': ErrorCode.CONFLICT,
};

/** Codes of refusals graphql-sse sends without a body, by status. */
const STATUS_CODES: Record<number, string> = {
  400: ErrorCode.BAD_REQUEST,
  401: ErrorCode.UNAUTHENTICATED,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  406: ErrorCode.NOT_ACCEPTABLE,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
};

/** What graphql-sse's bodiless refusals mean for a client, by status. */
const STATUS_MESSAGES: Record<number, string> = {
  404: 'Not found: send `accept: text/event-stream` (graphql-sse distinct connections mode)',
  406: 'Not acceptable: send `accept: text/event-stream`',
  415: 'Unsupported content-type; send application/json',
};

/**
 * A graphql-sse answer as the client gets it: a refusal (status ≥ 400, a JSON string or no body)
 * becomes `{ errors }` whose every error has `extensions.code` (kept when present, else from
 * {@link MESSAGE_CODES} or the status) and the request's `requestId`; any other answer is unchanged.
 */
export function codedSseResponse([body, init]: SseResponse, requestId: string): SseResponse {
  if (init.status < 400 || (body !== null && typeof body !== 'string')) return [body, init];
  let errors: GraphQLFormattedError[] | undefined;
  if (typeof body === 'string') {
    try {
      errors = (JSON.parse(body) as { errors?: GraphQLFormattedError[] }).errors;
    } catch {
      errors = undefined;
    }
  }
  errors ??= [{ message: STATUS_MESSAGES[init.status] ?? init.statusText }];
  const fallback = STATUS_CODES[init.status] ?? (init.status >= 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_REQUEST);
  const coded = errors.map((e) => ({
    ...e,
    extensions: { ...e.extensions, code: e.extensions?.code ?? MESSAGE_CODES[e.message] ?? fallback, requestId },
  }));
  return [JSON.stringify({ errors: coded }), { ...init, headers: { ...init.headers, 'content-type': JSON_TYPE } }];
}

/**
 * The perimeter's refusal of an operation (the subscribe guard's errors) as a graphql-sse
 * response (an `onSubscribe` result graphql-sse sends as is): the status and body Apollo Server
 * gives the same refusal on `/graphql`, i.e. 400, 401 UNAUTHENTICATED, or 429 RATE_LIMITED with
 * `Retry-After` (RFC 9110 §10.2.3) and `extensions.retryAfterSeconds`.
 */
export function sseRefusal(errors: readonly GraphQLError[], requestId: string): SseResponse {
  const formatted = errors.map((e) => {
    const json = e.toJSON();
    const extensions: Record<string, unknown> = { ...json.extensions, requestId };
    return { ...json, extensions };
  });
  const status = Math.max(...formatted.map((e) => httpStatusOf(e.extensions.code)));
  const headers: ResponseHeaders = { 'content-type': JSON_TYPE };
  const retryAfter = formatted.find((e) => typeof e.extensions.retryAfterSeconds === 'number')?.extensions.retryAfterSeconds;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return [JSON.stringify({ errors: formatted }), { status, statusText: HTTP_STATUS_TEXT[status] ?? '', headers }];
}
