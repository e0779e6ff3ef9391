import type { RequestHandler } from 'express';
import { ErrorCode } from '@commerce/common';
import { mediaTypeOf } from './body';
import { refuse } from './http';

/** Content types a browser may send cross-origin without a CORS preflight (Fetch standard, "CORS-safelisted request-header"). */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Headers whose presence forces a preflight; Apollo Server's `recommendedCsrfPreventionRequestHeaders`. */
export const CSRF_PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'] as const;

/**
 * Apollo Server's CSRF prevention (`csrfPrevention: true`, its preventCsrf.ts) for the routes
 * Apollo Server does not serve (graphql-sse): a request passes when its `content-type` is not
 * one a page on another origin can send without a preflight (so a POST must say
 * `application/json`), or when it carries a non-empty `apollo-require-preflight` or
 * `x-apollo-operation-name` header, which no cross-origin page can add without one. Otherwise
 * 400 BAD_REQUEST, as Apollo Server answers on `/graphql`. An unparsable content type passes,
 * as in Apollo Server: browsers never send one without a preflight (and the body policy refuses
 * it when a body comes with it).
 */
export const preventCsrf: RequestHandler = (req, res, next) => {
  if (req.headers['content-type'] !== undefined) {
    const type = mediaTypeOf(req);
    if (type === undefined || !SIMPLE_CONTENT_TYPES.has(type)) return next();
  }
  if (CSRF_PREFLIGHT_HEADERS.some((h) => (req.headers[h] ?? '').length > 0)) return next();
  refuse(
    res,
    400,
    ErrorCode.BAD_REQUEST,
    'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Send `content-type: application/json`, ' +
      `or a non-empty ${CSRF_PREFLIGHT_HEADERS.join(' or ')} header`,
  );
};
