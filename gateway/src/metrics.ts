import type { GatewayConfig } from '@apollo/gateway';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { counter, gauge, histogram } from '@commerce/common';

/** The gateway's own metric families (the request ones are common: graphqlMetricsPlugin, httpMetrics). */

/** A streaming transport of subscriptions. */
export type Transport = 'ws' | 'sse';

/** `ok` (HTTP 2xx), `http_error` (another status), `timeout` (SUBGRAPH_TIMEOUT_MS), `network_error`. */
export type FetchOutcome = 'ok' | 'http_error' | 'timeout' | 'network_error';

export const subgraphFetchDuration = () =>
  histogram(
    'commerce_gateway_subgraph_fetch_duration_seconds',
    'Requests from the gateway to a subgraph (one per fetch of a query plan), by subgraph and outcome.',
    ['subgraph', 'outcome'],
  );

export const subgraphFetchDeduplicated = () =>
  counter(
    'commerce_gateway_subgraph_fetch_deduplicated_total',
    'Subgraph query fetches that joined an identical one in flight instead of being sent (in-flight deduplication), by subgraph.',
    ['subgraph'],
  );

export const queryPlanCacheLookups = () =>
  counter('commerce_gateway_query_plan_cache_lookups_total', 'Query-plan cache lookups of the gateway, by result (hit, miss).', ['result']);

export const activeSubscriptions = () =>
  gauge('commerce_gateway_subscriptions_active', 'Subscriptions open at the gateway, by transport (ws, sse).', ['transport']);

export const subscriptionEvents = () =>
  counter('commerce_gateway_subscription_events_total', 'Subscription results handed to a transport (ws, sse), the first state included.', [
    'transport',
  ]);

export const slowConsumerCloses = () =>
  counter(
    'commerce_gateway_slow_consumer_closes_total',
    'Connections (ws) or streams (sse) closed for not reading their events (maxPendingEvents).',
    ['transport'],
  );

/**
 * How a gateway got a subscription event query's result (shared-results.ts): `ran` it as the
 * first to claim the event, `received` or found it `stored` from another gateway, ran it after a
 * `timeout` of waiting for another, or `alone` (Redis failed the claim).
 */
export type SharedResultOutcome = 'ran' | 'received' | 'stored' | 'timeout' | 'alone';

export const sharedEventResults = () =>
  counter(
    'commerce_gateway_subscription_shared_results_total',
    'Subscription event query results by how this gateway got them: ran (first to claim), received or stored (from another gateway), timeout (ran after waiting), alone (no claim).',
    ['outcome'],
  );

/** Registers every gateway family at start, so each is scraped (HELP and TYPE) before its first sample. */
export function declareGatewayMetrics(): void {
  subgraphFetchDuration();
  subgraphFetchDeduplicated();
  queryPlanCacheLookups();
  activeSubscriptions();
  subscriptionEvents();
  slowConsumerCloses();
  sharedEventResults();
}

type QueryPlanCache = NonNullable<NonNullable<GatewayConfig['queryPlannerConfig']>['cache']>;

/** Size of the plan cache in bytes: @apollo/gateway's own default (30 MiB of JSON). */
const PLAN_CACHE_BYTES = 30 * 2 ** 20;

/**
 * The gateway's query-plan cache: the LRU @apollo/gateway builds by default (same size and
 * sizing), counting each lookup as a hit or a miss (a miss is followed by planning the operation).
 */
export function meteredQueryPlanCache(): QueryPlanCache {
  type Plan = Parameters<QueryPlanCache['set']>[1];
  const lru = new InMemoryLRUCache<Plan>({
    maxSize: PLAN_CACHE_BYTES,
    sizeCalculation: (plan) => Buffer.byteLength(JSON.stringify(plan), 'utf8'),
  });
  return {
    async get(key) {
      const plan = await lru.get(key);
      queryPlanCacheLookups().inc({ result: plan === undefined ? 'miss' : 'hit' });
      return plan;
    },
    set: (key, plan, options) => lru.set(key, plan, options),
    delete: (key) => lru.delete(key),
    clear: () => lru.clear(),
  };
}
