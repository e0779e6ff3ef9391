import type { ExecutionResult } from 'graphql';
import { callerKey } from './caller-key';
import type { GatewayContext } from './context';

/** Runs a query through the gateway's query planner as `context`'s caller. */
export type QueryExecutor = (query: string, variables: Record<string, unknown>, context: GatewayContext) => Promise<ExecutionResult>;

/**
 * Shares one execution among identical concurrent ones: the same query text, variables and
 * caller. When an event reaches many subscriptions with the same selection (several tabs of one
 * user, many visitors of one product page), the subgraphs see one request per event instead of one
 * per subscriber. Results are never cached past the execution itself, so nothing stale is served.
 */
export function coalescing(execute: QueryExecutor): QueryExecutor {
  const inFlight = new Map<string, Promise<ExecutionResult>>();
  return (query, variables, context) => {
    const key = `${callerKey(context.caller)}\u0000${query}\u0000${JSON.stringify(variables)}`;
    let running = inFlight.get(key);
    if (!running) {
      running = execute(query, variables, context).finally(() => inFlight.delete(key));
      inFlight.set(key, running);
    }
    return running;
  };
}
