import type { ApolloServerPlugin } from '@apollo/server';
import Negotiator from 'negotiator';
import { ErrorCode } from '@commerce/common';

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';

/**
 * Request errors of a well-formed GraphQL-over-HTTP request: the document does not parse or
 * validate, variables do not coerce (Apollo Server: BAD_USER_INPUT), no operation matches the name.
 * Rate limits, bad tokens and malformed HTTP requests keep their 4xx.
 */
const REQUEST_ERROR_CODES = new Set<unknown>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  ErrorCode.BAD_USER_INPUT,
  'OPERATION_RESOLUTION_FAILURE',
]);

/** The client accepts `application/json` and not `application/graphql-response+json` (neither named nor through a wildcard). */
function acceptsOnlyLegacyJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const negotiator = new Negotiator({ headers: { accept } });
  return negotiator.mediaType(['application/json']) !== undefined && negotiator.mediaType([GRAPHQL_RESPONSE_JSON]) === undefined;
}

/**
 * GraphQL over HTTP (graphql.github.io/graphql-over-http, "application/json" responses, §6.4.1):
 * a server SHOULD answer a well-formed request with 200 even when it fails with request errors,
 * for clients that accept only `application/json` (legacy clients that read the status, not the
 * body). Apollo Server answers 400; this plugin sets 200 for exactly those clients and those
 * errors. A client that accepts `application/graphql-response+json` (or sends no `accept`, or
 * `*` / `*`) keeps Apollo Server's 400, which that media type requires (§6.4.2), and which
 * existing clients of this gateway rely on.
 */
export function graphqlOverHttpStatusPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ request }) {
      if (!acceptsOnlyLegacyJson(request.http?.headers.get('accept'))) return undefined;
      return {
        async willSendResponse({ response }) {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (data !== undefined || !errors?.length) return;
          if (errors.every((e) => REQUEST_ERROR_CODES.has(e.extensions?.code))) response.http.status = 200;
        },
      };
    },
  };
}
