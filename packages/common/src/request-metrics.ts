import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import { getOperationAST } from 'graphql';
import { boundedLabel, counter, histogram, secondsSince } from './metrics';

/**
 * Request metrics of every HTTP server (gateway and subgraphs), labelled `server` (`gateway`,
 * `order`, …). Operation names are chosen by clients, so they pass through {@link boundedLabel}.
 */

const graphqlDuration = () =>
  histogram(
    'commerce_graphql_request_duration_seconds',
    'GraphQL operations from request to response, by server, operation name, type and outcome (success, partial, error).',
    ['server', 'operation', 'type', 'outcome'],
  );
const graphqlErrors = () =>
  counter('commerce_graphql_errors_total', 'Errors in GraphQL responses, by server and extensions.code.', ['server', 'code']);
const httpDuration = () =>
  histogram('commerce_http_request_duration_seconds', 'HTTP requests by server, method, route and status code.', [
    'server',
    'method',
    'route',
    'status_code',
  ]);

/** Distinct operation names one process labels before the rest count as `other`. */
export const MAX_OPERATION_LABELS = 200;
const operationLabel = boundedLabel(MAX_OPERATION_LABELS);
const codeLabel = boundedLabel(50);

/** `success`: no errors; `partial`: errors beside data; `error`: errors and no data. */
export type GraphQLOutcome = 'success' | 'partial' | 'error';

/**
 * Apollo Server plugin timing every operation into `commerce_graphql_request_duration_seconds`
 * (requests refused before parsing count as operation `anonymous`, type `unknown`) and counting
 * response errors by code into `commerce_graphql_errors_total`.
 */
export function graphqlMetricsPlugin<C extends object>(server: string): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ document, operation, operationName, request, response, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const failed = errors ?? body?.errors ?? [];
          const outcome: GraphQLOutcome = failed.length === 0 ? 'success' : body?.data ? 'partial' : 'error';
          graphqlDuration().observe(
            {
              server,
              // A document that failed validation still names its operation.
              operation: operationLabel(operationName ?? request.operationName ?? (document && getOperationAST(document)?.name?.value)),
              type: operation?.operation ?? 'unknown',
              outcome,
            },
            secondsSince(started),
          );
          for (const error of failed) {
            const code = (error.extensions as { code?: unknown } | undefined)?.code;
            graphqlErrors().inc({ server, code: codeLabel(typeof code === 'string' ? code : undefined, 'INTERNAL_SERVER_ERROR') });
          }
        },
      };
    },
  };
}

/**
 * Express middleware timing every request into `commerce_http_request_duration_seconds`; `route`
 * is one of `routes` the path starts with (longest first), else `other`, so probing arbitrary URLs
 * adds no series. Mount it first.
 */
export function httpMetrics(server: string, routes: readonly string[]) {
  const known = [...routes].sort((a, b) => b.length - a.length);
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const path = req.originalUrl.split('?')[0] ?? '/';
      const route = known.find((r) => path === r || path.startsWith(`${r}/`)) ?? 'other';
      const method = ['GET', 'POST', 'HEAD', 'OPTIONS'].includes(req.method) ? req.method : 'other';
      httpDuration().observe({ server, method, route, status_code: String(res.statusCode) }, secondsSince(started));
    });
    next();
  };
}
