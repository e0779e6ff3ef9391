import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
  type ArgumentNode,
} from 'graphql';

/**
 * Operation limits of the public endpoint, the same for HTTP and every graphql-ws subscribe.
 * Defaults are tuned on the operations in README.md and the tests (the largest measures depth 8
 * and cost 1 792, gateway/test/limits.test.ts): with headroom for clients, far below what hurts.
 */
export interface OperationLimits {
  /** Deepest field nesting (graphql-armor max-depth; fragments flattened). */
  maxDepth: number;
  /** Aliases per operation (graphql-armor max-aliases). */
  maxAliases: number;
  /** Directives per operation (graphql-armor max-directives). */
  maxDirectives: number;
  /** Lexical tokens per document, enforced by the parser itself (graphql-js `maxTokens`). */
  maxTokens: number;
  /** graphql-armor cost: objects 2, scalars 1, ×1.5 per depth level. */
  maxCost: number;
  /** Largest `first`/`last` a connection field may be asked for, literal or variable. */
  maxPageSize: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 12,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 2_000,
  maxCost: 10_000,
  maxPageSize: 100,
};

/** Parser options: the token cap stops a huge document before any validation work. */
export const parseOptions = (limits: OperationLimits): ParseOptions => ({ maxTokens: limits.maxTokens });

/** Validation rules added to graphql-js's specified rules; their errors are GRAPHQL_VALIDATION_FAILED. */
export function limitRules(limits: OperationLimits, observe?: LimitObserver): ValidationRule[] {
  // Report, do not throw: a throwing visitor would abort graphql-js's validate() itself.
  const common = (limit: keyof LimitMeasurements) => ({
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)],
    onAccept: observe ? [(_ctx: ValidationContext | null, details: { n?: number }) => observe(limit, details.n ?? 0)] : [],
  });
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...common('depth') }),
    maxAliasesRule({ n: limits.maxAliases, ...common('aliases') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...common('directives') }),
    costLimitRule({ maxCost: limits.maxCost, ...common('cost') }),
  ] as ValidationRule[];
}

/** What an accepted operation measured, per limit. */
export interface LimitMeasurements {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
}

/** Called with each accepted operation's measurement (used to tune the limits). */
export type LimitObserver = (limit: keyof LimitMeasurements, value: number) => void;

const PAGE_ARGUMENTS = new Set(['first', 'last']);

/**
 * What the per-request checks need to know of a document, found in one walk of it: computed once
 * per document and cached (document-checks.ts), then applied to each request's variables.
 */
export interface DocumentFacts {
  /** Every `first`/`last` argument: its literal value, or the variable it reads and that variable's literal default. */
  pageArguments: { node: ArgumentNode; literal?: number; variable?: string; fallback?: number }[];
  /** A string literal of the document holds U+0000. */
  literalNul: boolean;
}

/** Walks `document` once for {@link DocumentFacts}. */
export function documentFacts(document: DocumentNode): DocumentFacts {
  // A variable left out takes its default from the document (`$n: Int = 1000`).
  const defaults = new Map<string, number>();
  const pageArguments: DocumentFacts['pageArguments'] = [];
  let literalNul = false;
  visit(document, {
    VariableDefinition(node) {
      if (node.defaultValue?.kind === Kind.INT) defaults.set(node.variable.name.value, Number(node.defaultValue.value));
    },
    StringValue(node) {
      if (node.value.includes('\u0000')) literalNul = true;
    },
    Argument(node) {
      if (!PAGE_ARGUMENTS.has(node.name.value)) return;
      if (node.value.kind === Kind.INT) pageArguments.push({ node, literal: Number(node.value.value) });
      else if (node.value.kind === Kind.VARIABLE) pageArguments.push({ node, variable: node.value.name.value });
    },
  });
  // Defaults are known only once the whole document is walked (definitions may come after use in fragments).
  for (const argument of pageArguments) {
    const fallback = argument.variable === undefined ? undefined : defaults.get(argument.variable);
    if (fallback !== undefined) argument.fallback = fallback;
  }
  return { pageArguments, literalNul };
}

/**
 * Page-size arguments over the cap (`first`/`last` > `maxPageSize`, or negative), whether written
 * in the document or passed as variables: validation alone cannot see variable values.
 * @returns BAD_USER_INPUT errors, empty when the operation is within limits.
 */
export function pageSizeErrors(
  document: DocumentNode | DocumentFacts,
  variables: Record<string, unknown> | undefined,
  maxPageSize: number,
): GraphQLError[] {
  const facts = 'pageArguments' in document ? document : documentFacts(document);
  const errors: GraphQLError[] = [];
  for (const { node, literal, variable, fallback } of facts.pageArguments) {
    const value = variable === undefined ? literal : variables && variable in variables ? variables[variable] : fallback;
    if (typeof value === 'number' && (value > maxPageSize || value < 0)) {
      errors.push(
        new GraphQLError(`${node.name.value} must be between 0 and ${maxPageSize}, got ${value}`, {
          nodes: [node],
          extensions: { code: 'BAD_USER_INPUT', field: node.name.value, max: maxPageSize },
        }),
      );
    }
  }
  return errors;
}

/** The document has no operation by that name, or several and no name: 400 OPERATION_RESOLUTION_FAILURE. */
export function operationResolutionError(operationName: string | null | undefined): GraphQLError {
  const message = operationName
    ? `Unknown operation named "${operationName.slice(0, 100)}"`
    : 'Must provide an operation name when the document contains several operations (or none)';
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
}

/**
 * U+0000 anywhere in a string argument, literal or variable: PostgreSQL text cannot hold it (the
 * driver fails with "invalid byte sequence"), so such input is refused at the door as
 * BAD_USER_INPUT instead of surfacing as an internal error in whichever subgraph stores or compares it.
 */
export function nulCharacterErrors(document: DocumentNode | DocumentFacts, variables: Record<string, unknown> | undefined): GraphQLError[] {
  const facts = 'pageArguments' in document ? document : documentFacts(document);
  const walk = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') return value.includes('\u0000');
    if (depth > 20 || value === null || typeof value !== 'object') return false;
    return Object.values(value).some((v) => walk(v, depth + 1));
  };
  if (facts.literalNul || walk(variables ?? {}, 0)) {
    return [new GraphQLError('String arguments must not contain the NUL character (U+0000)', { extensions: { code: 'BAD_USER_INPUT' } })];
  }
  return [];
}
