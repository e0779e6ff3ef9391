import {
  GraphQLError,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';

/** The query field a subscription's selection is re-rooted on, and its one `ID!` argument. */
export interface EventQueryTarget {
  /** Query field, e.g. `orderStatusEvent`, `order`, `product`. */
  field: string;
  /** Its argument, e.g. `id`. */
  argument: string;
}

/** A query to run once per event: pass `{ ...variables, [variable]: <id> }`; the result is under `alias`. */
export interface EventQuery {
  query: string;
  alias: string;
  variable: string;
}

const idVariable = (target: EventQueryTarget) => `__event_${target.field}_${target.argument}`;

/** The root field of a subscription operation; exactly one is allowed (GraphQL spec, "Single root field"). */
export function subscriptionRootField(operation: OperationDefinitionNode): FieldNode {
  const [selection, ...rest] = operation.selectionSet.selections;
  if (!selection || rest.length > 0 || selection.kind !== Kind.FIELD) {
    throw new GraphQLError('A subscription selects exactly one field', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return selection;
}

/**
 * Turns `subscription { orderStatusChanged(orderId: …) { <selection> } }` into
 * `query ($__event_orderStatusEvent_id: ID!) { orderStatusChanged: orderStatusEvent(id: $__event_orderStatusEvent_id) { <selection> } }`.
 * Run once per event, that query lets the gateway's query planner resolve every field of the
 * selection, those owned by other subgraphs included (`items { product { title } }`), batched
 * through `_entities` exactly as for any query. The subscription field's alias is kept, fragments
 * are carried over, and variables the rewrite no longer uses are dropped.
 * @throws GraphQLError BAD_USER_INPUT when `operation` does not select exactly one field.
 */
export function eventQueryFor(document: DocumentNode, operation: OperationDefinitionNode, target: EventQueryTarget): EventQuery {
  const field = subscriptionRootField(operation);
  const alias = field.alias?.value ?? field.name.value;
  const variable = idVariable(target);
  const definition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const rewritten: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    variableDefinitions: [...(operation.variableDefinitions ?? []), definition],
    selectionSet: {
      ...operation.selectionSet,
      selections: [
        {
          ...field,
          alias: { kind: Kind.NAME, value: alias },
          name: { kind: Kind.NAME, value: target.field },
          arguments: [
            {
              kind: Kind.ARGUMENT,
              name: { kind: Kind.NAME, value: target.argument },
              value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } },
            },
          ],
        },
      ],
    },
  };
  const others = document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION);
  const used = new Set<string>();
  visit(
    { kind: Kind.DOCUMENT, definitions: [{ ...rewritten, variableDefinitions: [] }, ...others] },
    {
      Variable: (node) => {
        used.add(node.name.value);
      },
    },
  );
  const query: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      { ...rewritten, variableDefinitions: rewritten.variableDefinitions?.filter((v) => used.has(v.variable.name.value)) },
      ...others,
    ],
  };
  return { query: print(query), alias, variable };
}

/**
 * The answer to a subscription's selection from what an event itself states about its entity
 * (`known`, e.g. an order's `id`, `status` and `__typename`), when the selection is nothing but
 * those fields, plainly (aliases allowed; no arguments, directives, fragments or sub-selections):
 * such an event needs no query. Null when any selected field is not known, so the event query runs.
 */
export function answerFromEvent(field: FieldNode, known: Readonly<Record<string, string>> | undefined): Record<string, string> | null {
  if (!known || !field.selectionSet || (field.directives?.length ?? 0) > 0) return null;
  const answer: Record<string, string> = {};
  for (const selection of field.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.selectionSet || selection.arguments?.length || selection.directives?.length) return null;
    const value = known[selection.name.value];
    if (value === undefined) return null;
    answer[selection.alias?.value ?? selection.name.value] = value;
  }
  return answer;
}
