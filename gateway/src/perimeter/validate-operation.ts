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
import { DocumentChecks, documentHash } from './document-checks';
import {
  documentFacts,
  limitRules,
  nulCharacterErrors,
  operationResolutionError,
  pageSizeErrors,
  parseOptions,
  type DocumentFacts,
  type OperationLimits,
} from './limits';

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
 * introspection and removes field suggestions from messages. With `cache`, a document that passed
 * parse and validation once skips both (see {@link DocumentChecks}); the per-request checks still run.
 */
export function validateOperation(
  schema: GraphQLSchema,
  payload: OperationPayload,
  limits: OperationLimits,
  options: { hideSchemaDetails: boolean; cache?: DocumentChecks },
): ValidatedOperation {
  const { query, variables, operationName } = payload;
  if (typeof query !== 'string' || query.length === 0) return { errors: [badRequest('query must be a non-empty string')] };
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables)))
    return { errors: [badRequest('variables must be an object')] };
  if (operationName != null && typeof operationName !== 'string') return { errors: [badRequest('operationName must be a string')] };
  const vars = (variables ?? {}) as Record<string, unknown>;

  const hash = options.cache ? documentHash(query) : '';
  const cached = options.cache?.accepted(hash, schema, options.hideSchemaDetails);
  let document: DocumentNode;
  let facts: DocumentFacts;
  if (cached) ({ document, facts } = cached);
  else {
    const checked = parseAndValidate(schema, query, limits, options.hideSchemaDetails);
    if ('errors' in checked) return checked;
    document = checked.document;
    facts = options.cache ? options.cache.accept(hash, schema, options.hideSchemaDetails, document) : documentFacts(document);
  }
  const name = typeof operationName === 'string' ? operationName : undefined;
  if (!getOperationAST(document, name)) {
    const { message, extensions } = operationResolutionError(name);
    return { errors: [new GraphQLError(message, { extensions: { code: extensions.code } })] };
  }
  const pageErrors = [...pageSizeErrors(facts, vars, limits.maxPageSize), ...nulCharacterErrors(facts, vars)];
  if (pageErrors.length > 0) return { errors: pageErrors };
  return { document, variables: vars, ...(typeof operationName === 'string' ? { operationName } : {}) };
}

/** Parse with the token cap, then specified rules + limits (+ no introspection in production): the per-document part. */
function parseAndValidate(
  schema: GraphQLSchema,
  query: string,
  limits: OperationLimits,
  hideSchemaDetails: boolean,
): { document: DocumentNode } | { errors: GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(query, parseOptions(limits));
  } catch (err) {
    const message = err instanceof GraphQLError ? err.message : 'Syntax error';
    return { errors: [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
  }
  // In production introspection is off over every transport, as Apollo Server does for HTTP.
  const rules = [...specifiedRules, ...limitRules(limits), ...(hideSchemaDetails ? [NoSchemaIntrospectionCustomRule] : [])];
  const invalid = validate(schema, document, rules);
  if (invalid.length > 0) {
    return {
      errors: invalid.map(
        (e) =>
          new GraphQLError(hideSchemaDetails ? e.message.replace(SUGGESTION, '') : e.message, {
            nodes: e.nodes,
            extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      ),
    };
  }
  return { document };
}

const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });
