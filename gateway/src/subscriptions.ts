import {
  GraphQLError,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLSchema,
} from 'graphql';
import { DomainError, toGraphQLError, type Logger } from '@commerce/common';
import { BufferedQueue, type ConnectionBuffer } from './backpressure';
import type { QueryExecutor } from './coalesce';
import type { GatewayContext } from './context';
import { answerFromEvent, eventQueryFor, subscriptionRootField } from './event-query';
import { activeSubscriptions, subscriptionEvents } from './metrics';
import { SUBSCRIPTION_FIELDS, type EventRef, type ServiceLookup } from './subscription-fields';
import type { SharedEventResults } from './shared-results';
import { groupKey, type GroupEvent, type SubscriptionGroups } from './subscription-groups';

/** Context of an operation over a long-lived transport (graphql-ws socket, SSE response). */
export interface SubscriptionContext extends GatewayContext {
  /** The bounded buffer of the client connection the subscription runs on. */
  buffer: ConnectionBuffer;
}

export interface SubscriptionServices {
  /** The gateway's subscription groups: one hub listener and one event query per group and event. */
  groups: SubscriptionGroups;
  /** Results handed between gateways (one event query per group and event across all); none: each gateway runs its own. */
  shared?: SharedEventResults;
  redisPrefix: string;
  /** Runs a query through the query planner as the given context's caller. */
  execute: QueryExecutor;
  /** Runs a query as the gateway itself; access checks read owners with it. */
  lookup: ServiceLookup;
  logger: Logger;
}

export interface SubscribeArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  contextValue: SubscriptionContext;
}

const refused = (error: unknown, logger: Logger): ExecutionResult => {
  if (error instanceof DomainError) return { errors: [toGraphQLError(error)] };
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') return { errors: [error] };
  logger.error({ err: error }, 'subscription failed to start');
  return { errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
};

/**
 * Starts one subscription (`@apollo/gateway` cannot execute them): finds the served field,
 * coerces its arguments against the API schema, joins the group of subscriptions with the same
 * caller, arguments, selection and variables (see subscription-groups.ts), checks access, and
 * returns the stream of results. Each event becomes a query on the field's event target (e.g.
 * `orderStatusEvent(id)`) with the subscription's own selection, run through the query planner
 * once per group, so fields of every subgraph resolve as in any query. When the field has a
 * current state (an `orderId`, a product) it is sent first. Events go through the connection's
 * bounded buffer.
 * @returns an ExecutionResult with errors (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT)
 * when the subscription is refused.
 */
export async function subscribe(
  args: SubscribeArgs,
  services: SubscriptionServices,
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const { contextValue: context, schema } = args;
  const { groups, execute, logger } = services;
  let plan: ReturnType<(typeof SUBSCRIPTION_FIELDS)[string]>;
  let operation;
  let fieldName: string;
  let root: FieldNode;
  let fieldArgs: Record<string, unknown>;
  try {
    operation = getOperationAST(args.document, args.operationName);
    if (!operation || operation.operation !== 'subscription') {
      throw new GraphQLError('Not a subscription', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    root = subscriptionRootField(operation);
    fieldName = root.name.value;
    const definition = schema.getSubscriptionType()?.getFields()[fieldName];
    const servedBy = SUBSCRIPTION_FIELDS[fieldName];
    if (!definition || !servedBy) {
      throw new GraphQLError(`Subscription.${fieldName} is not served`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
    if (coerced.errors)
      return { errors: coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } })) };
    fieldArgs = getArgumentValues(definition, root, coerced.coerced);
    plan = servedBy({ args: fieldArgs, caller: context.caller, redisPrefix: services.redisPrefix, lookup: services.lookup });
  } catch (err) {
    return refused(err, logger);
  }

  const variables = { ...(args.variableValues ?? {}) };
  const eventQuery = eventQueryFor(args.document, operation, plan.eventTarget);
  // The group's query runs as this caller; no transport state (buffer) rides along with it.
  const runAs: GatewayContext = {
    caller: context.caller,
    requestId: context.requestId,
    ...(context.clientIp ? { clientIp: context.clientIp } : {}),
  };
  // Once access is granted, each event's query starts as it arrives, so a burst of events is
  // resolved in parallel (bounded by the connection's buffer and the groups' limit) and still
  // delivered in order. Before that, events wait in the queue and their query waits with them.
  let granted = false;
  const queue = new BufferedQueue<GroupEvent>(context.buffer, (event) => event.release());
  // Listen before reading the current state, so no change can fall between the two.
  const key = groupKey({ caller: context.caller, field: fieldName, args: fieldArgs, query: eventQuery.query, variables });
  const run = (ref: EventRef) =>
    execute(eventQuery.query, { ...variables, [eventQuery.variable]: ref.id }, runAs).catch((err: unknown) => refused(err, logger));
  // A selection the event answers by itself (`{ id status }` of an order) costs no query at all.
  const resolve = (ref: EventRef): Promise<ExecutionResult> => {
    const answer = answerFromEvent(root, ref.known);
    if (answer) return Promise.resolve({ data: { [eventQuery.alias]: answer } });
    return services.shared && ref.unique ? services.shared.run(`${key}\u0000${ref.id}`, () => run(ref)) : run(ref);
  };
  let leave: () => void;
  try {
    leave = await groups.join(
      {
        key,
        field: fieldName,
        channel: plan.channel,
        match: plan.match,
        // An event without an id of its own (a stock level) could match an older one's result: run here.
        run: resolve,
      },
      {
        accept: (event) => {
          if (!queue.push(event)) return false;
          if (granted) void event.result();
          return true;
        },
      },
    );
  } catch (err) {
    queue.end();
    return refused(err, logger);
  }
  const shown = new Map<string, string>();
  let first: ExecutionResult | null = null;
  try {
    const current = await plan.start();
    granted = true;
    if (current) {
      if (current.seen) shown.set(current.seen.key, current.seen.value);
      const query = eventQueryFor(args.document, operation, current.target);
      first = await execute(query.query, { ...variables, [query.variable]: current.id }, context);
    }
  } catch (err) {
    leave();
    queue.end();
    return refused(err, logger);
  }

  const transport = { transport: context.buffer.transport };
  async function* stream(): AsyncGenerator<ExecutionResult> {
    activeSubscriptions().inc(transport);
    try {
      if (first) {
        subscriptionEvents().inc(transport);
        yield first;
      }
      for await (const event of queue) {
        const { ref } = event;
        try {
          // The current state already went out; its own event may still have been in flight.
          if (ref.dedupe) {
            if (shown.get(ref.dedupe.key) === ref.dedupe.value) continue;
            shown.set(ref.dedupe.key, ref.dedupe.value);
          }
          // Shared with the rest of the group: read it, never change it.
          const result = await event.result();
          const data = result.data as Record<string, unknown> | null | undefined;
          // Not visible to this caller (null without errors): nothing to say.
          if (data?.[eventQuery.alias] == null && !result.errors) continue;
          subscriptionEvents().inc(transport);
          yield result;
        } finally {
          // After a yield, the transport has sent the result by the time it asks for the next one.
          event.release();
          queue.settle();
        }
      }
    } finally {
      activeSubscriptions().dec(transport);
      leave();
      queue.end();
    }
  }
  const results = stream();
  // A client that leaves (socket closed, SSE response gone) makes the transport call return()
  // while the stream waits for its next event; ending the queue first lets the stream finish now
  // (stop listening, count the subscription closed) instead of at an event that may never come.
  const finish = results.return.bind(results);
  results.return = (value) => {
    queue.end();
    return finish(value);
  };
  return results;
}
