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
  type ValueNode,
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
 * Page-size arguments over the cap (`first`/`last` > `maxPageSize`, or negative), whether written
 * in the document or passed as variables: validation alone cannot see variable values.
 * @returns BAD_USER_INPUT errors, empty when the operation is within limits.
 */
export function pageSizeErrors(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  maxPageSize: number,
): GraphQLError[] {
  const errors: GraphQLError[] = [];
  // A variable left out takes its default from the document (`$n: Int = 1000`).
  const defaults = new Map<string, ValueNode>();
  visit(document, {
    VariableDefinition(node) {
      if (node.defaultValue) defaults.set(node.variable.name.value, node.defaultValue);
    },
  });
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (variables && name in variables) return variables[name];
      const fallback = defaults.get(name);
      return fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
    }
    return undefined;
  };
  visit(document, {
    Argument(node) {
      if (!PAGE_ARGUMENTS.has(node.name.value)) return;
      const value = valueOf(node.value);
      if (typeof value === 'number' && (value > maxPageSize || value < 0)) {
        errors.push(
          new GraphQLError(`${node.name.value} must be between 0 and ${maxPageSize}, got ${value}`, {
            nodes: [node],
            extensions: { code: 'BAD_USER_INPUT', field: node.name.value, max: maxPageSize },
          }),
        );
      }
    },
  });
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
export function nulCharacterErrors(document: DocumentNode, variables: Record<string, unknown> | undefined): GraphQLError[] {
  const error = () =>
    new GraphQLError('String arguments must not contain the NUL character (U+0000)', { extensions: { code: 'BAD_USER_INPUT' } });
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  const walk = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') return value.includes('\u0000');
    if (depth > 20 || value === null || typeof value !== 'object') return false;
    return Object.values(value).some((v) => walk(v, depth + 1));
  };
  if (found || walk(variables ?? {}, 0)) return [error()];
  return [];
}
