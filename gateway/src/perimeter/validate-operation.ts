import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { limitRules, nulCharacterErrors, operationResolutionError, pageSizeErrors, parseOptions, type OperationLimits } from './limits';

/** An operation as a client sends it over graphql-ws (and graphql-sse). */
export interface OperationPayload {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export type ValidatedOperation =
  { document: DocumentNode; variables: Record<string, unknown>; operationName?: string } | { errors: GraphQLError[] };

// graphql-js appends "Did you mean …?" with field and type names; Apollo Server strips the same text.
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * The gateway's request checks for transports that Apollo Server does not run (graphql-ws,
 * graphql-sse): the same parser token cap, specified rules plus the operation limits, and the
 * page-size cap that HTTP requests get, with the same error codes (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT). `hideSchemaDetails` (production) refuses
 * introspection and removes field suggestions from messages.
 */
export function validateOperation(
  schema: GraphQLSchema,
  payload: OperationPayload,
  limits: OperationLimits,
  options: { hideSchemaDetails: boolean },
): ValidatedOperation {
  const { query, variables, operationName } = payload;
  if (typeof query !== 'string' || query.length === 0) return { errors: [badRequest('query must be a non-empty string')] };
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables)))
    return { errors: [badRequest('variables must be an object')] };
  if (operationName != null && typeof operationName !== 'string') return { errors: [badRequest('operationName must be a string')] };
  const vars = (variables ?? {}) as Record<string, unknown>;

  let document: DocumentNode;
  try {
    document = parse(query, parseOptions(limits));
  } catch (err) {
    const message = err instanceof GraphQLError ? err.message : 'Syntax error';
    return { errors: [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
  }
  // In production introspection is off over every transport, as Apollo Server does for HTTP.
  const rules = [...specifiedRules, ...limitRules(limits), ...(options.hideSchemaDetails ? [NoSchemaIntrospectionCustomRule] : [])];
  const invalid = validate(schema, document, rules);
  if (invalid.length > 0) {
    return {
      errors: invalid.map(
        (e) =>
          new GraphQLError(options.hideSchemaDetails ? e.message.replace(SUGGESTION, '') : e.message, {
            nodes: e.nodes,
            extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      ),
    };
  }
  const name = typeof operationName === 'string' ? operationName : undefined;
  if (!getOperationAST(document, name)) {
    const { message, extensions } = operationResolutionError(name);
    return { errors: [new GraphQLError(message, { extensions: { code: extensions.code } })] };
  }
  const pageErrors = [...pageSizeErrors(document, vars, limits.maxPageSize), ...nulCharacterErrors(document, vars)];
  if (pageErrors.length > 0) return { errors: pageErrors };
  return { document, variables: vars, ...(typeof operationName === 'string' ? { operationName } : {}) };
}

const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });
