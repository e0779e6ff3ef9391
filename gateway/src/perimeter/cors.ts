import cors from 'cors';
import { CART_TOKEN_HEADER } from '@commerce/common';
import { CSRF_PREFLIGHT_HEADERS } from './csrf';

/**
 * Request headers a browser client may send cross-origin to the GraphQL paths, and nothing else
 * (the `cors` package's default reflects whatever a preflight asks for):
 * - `content-type` (application/json is not a CORS-safelisted type) and `authorization` (the bearer token);
 * - `x-cart-token` (a guest cart, docs/guest-carts.md);
 * - Apollo Server's CSRF-prevention headers, which a GET needs (csrf.ts);
 * - `x-graphql-event-stream-token` (graphql-sse's single-connection mode, /graphql/stream);
 * - `x-request-id` (a client's own correlation id, echoed back) and W3C trace context
 *   (`traceparent`, `tracestate`) for clients that trace.
 * `Accept` and `Last-Event-ID` are CORS-safelisted or not needed; graphql-ws is a WebSocket, which CORS does not cover.
 */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  CART_TOKEN_HEADER,
  ...CSRF_PREFLIGHT_HEADERS,
  'x-graphql-event-stream-token',
  'x-request-id',
  'traceparent',
  'tracestate',
] as const;

/** Response headers a cross-origin page may read: the correlation id and a refusal's retry delay. */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'] as const;

/** The CORS middleware of the GraphQL paths: any origin (tokens are bearer headers, not cookies), only the headers above. */
export const graphqlCors = () =>
  cors<cors.CorsRequest>({
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: 600,
  });
