import {
  GraphQLError,
  Kind,
  getOperationAST,
  print,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import type { OrderEventHub } from '@commerce/common';
import type { GatewayContext } from './context';

/** Runs a query through the gateway's query planner as `context`'s caller. */
export type QueryExecutor = (query: string, variables: Record<string, unknown>, context: GatewayContext) => Promise<ExecutionResult>;

const SUBSCRIPTION_FIELD = 'orderStatusChanged';
const EVENT_VARIABLE = '__orderStatusEventId';
const ORDER_VARIABLE = '__orderStatusOrderId';

function rootField(operation: OperationDefinitionNode): FieldNode {
  const [selection, ...rest] = operation.selectionSet.selections;
  if (!selection || rest.length > 0 || selection.kind !== Kind.FIELD || selection.name.value !== SUBSCRIPTION_FIELD) {
    throw new GraphQLError(`A subscription selects exactly one field, ${SUBSCRIPTION_FIELD}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return selection;
}

function valueOf(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node || node.kind === Kind.NULL) return null;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value] ?? null;
  if (node.kind === Kind.STRING || node.kind === Kind.INT) return node.value;
  throw new GraphQLError('orderId must be an ID', { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Turns `subscription { orderStatusChanged(orderId: …) { <selection> } }` (with `target` 'event') into
 * `query ($__orderStatusEventId: ID!) { orderStatusChanged: orderStatusEvent(id: $__orderStatusEventId) { <selection> } }`.
 * Run once per event, that query lets the gateway's query planner resolve every field of the
 * selection, those owned by other subgraphs included (`items { product { title } }`), batched
 * through `_entities` exactly as for any query. Variables the rewrite no longer uses are dropped.
 */
export function eventQueryFor(
  document: DocumentNode,
  operationName: string | null | undefined,
  target: 'event' | 'order' = 'event',
): { query: string; alias: string; variable: string } {
  // 'order' reads the order's current state instead: `order(id: $__orderStatusOrderId)`.
  const [fieldName, variable] = target === 'event' ? ['orderStatusEvent', EVENT_VARIABLE] : ['order', ORDER_VARIABLE];
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'subscription')
    throw new GraphQLError('Not a subscription', { extensions: { code: 'BAD_USER_INPUT' } });
  const field = rootField(operation);
  const alias = field.alias?.value ?? SUBSCRIPTION_FIELD;

  const rewritten: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      },
    ],
    selectionSet: {
      ...operation.selectionSet,
      selections: [
        {
          ...field,
          alias: { kind: Kind.NAME, value: alias },
          name: { kind: Kind.NAME, value: fieldName },
          arguments: [
            {
              kind: Kind.ARGUMENT,
              name: { kind: Kind.NAME, value: 'id' },
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
 * The stream of one `orderStatusChanged` subscription: events of the caller's orders (of one
 * order with `orderId`) from Redis pub/sub, each resolved through the query planner. With an
 * `orderId`, the order's current state comes first, so a client that subscribes late still
 * learns a final state. The caller must be signed in; someone else's `orderId` is NOT_FOUND,
 * as for `order(id)`.
 */
export async function orderStatusStream(options: {
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
  context: GatewayContext;
  hub: OrderEventHub;
  execute: QueryExecutor;
}): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const { context, variables, hub, execute } = options;
  if (context.caller.kind !== 'user') {
    return { errors: [new GraphQLError('Sign in to subscribe', { extensions: { code: 'UNAUTHENTICATED' } })] };
  }
  const userId = context.caller.userId;
  let eventQuery: ReturnType<typeof eventQueryFor>;
  let orderId: string | null;
  try {
    eventQuery = eventQueryFor(options.document, options.operationName, 'event');
    const operation = getOperationAST(options.document, options.operationName)!;
    const raw = valueOf(rootField(operation).arguments?.find((a) => a.name.value === 'orderId')?.value, variables);
    orderId = raw === null ? null : String(raw);
  } catch (err) {
    return { errors: [err as GraphQLError] };
  }

  // Listen before reading the current state, so no change can fall between the two.
  await hub.start();
  const abort = new AbortController();
  const events = hub.events((e) => e.userId === userId && (orderId === null || e.orderId === orderId), abort.signal);
  let initial: ExecutionResult | null = null;
  const lastStatus = new Map<string, string>();
  if (orderId !== null) {
    const current = await execute('query OrderStatus($id: ID!) { order(id: $id) { status } }', { id: orderId }, context);
    const status = (current.data as { order?: { status: string } | null } | undefined)?.order?.status;
    if (!status) {
      abort.abort();
      return { errors: [new GraphQLError(`Order ${orderId} not found`, { extensions: { code: 'NOT_FOUND' } })] };
    }
    lastStatus.set(orderId, status);
    const orderQuery = eventQueryFor(options.document, options.operationName, 'order');
    initial = await execute(orderQuery.query, { ...variables, [orderQuery.variable]: orderId }, context);
  }

  async function* stream(): AsyncGenerator<ExecutionResult> {
    try {
      if (initial) yield initial;
      for await (const event of events) {
        // The current state already went out; its own event may still be in flight.
        if (lastStatus.get(event.orderId) === event.status) continue;
        lastStatus.set(event.orderId, event.status);
        const result = await execute(eventQuery.query, { ...variables, [eventQuery.variable]: event.eventId }, context);
        const data = result.data as Record<string, unknown> | null | undefined;
        if (data?.[eventQuery.alias] == null && !result.errors) continue;
        yield result;
      }
    } finally {
      abort.abort();
    }
  }
  return stream();
}
