// Loaded only when tracing is on (see start.ts), so a process that does not trace never loads the SDK.
import type { IncomingMessage } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { BullMQOtel } from 'bullmq-otel';
import type { ActiveTracing } from './state';

/** What to instrument besides HTTP, fetch, Express, Prisma, ioredis and BullMQ. */
export interface SdkOptions {
  /**
   * graphql-js execution spans (parse, validate, execute, resolvers). Subgraphs only: the gateway's
   * own spans (`gateway.request`, `gateway.plan`, `gateway.fetch`, from @apollo/gateway) say more there,
   * and graphql-js spans of its query planner's execution would double every field.
   */
  graphql: boolean;
}

// Probes and scrapes would otherwise be most of the traces of a quiet process.
const ignoredPaths = /^\/(health|metrics)(\/|\?|$)/;
const ignoreProbe = (request: IncomingMessage) => ignoredPaths.test(request.url ?? '');

/**
 * Starts the OpenTelemetry Node SDK for traces: exporter, protocol, endpoint, headers, sampler,
 * propagators and batch delays come from the standard OTEL_* variables (W3C trace context by
 * default). Metrics stay with Prometheus and logs with pino on stdout, so the SDK starts neither.
 * @param serviceName the resource's `service.name`; undefined leaves it to OTEL_SERVICE_NAME.
 */
export function startSdk(serviceName: string | undefined, options: SdkOptions): ActiveTracing {
  const sdk = new NodeSDK({
    ...(serviceName ? { serviceName } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: ignoreProbe }),
      new UndiciInstrumentation(),
      new ExpressInstrumentation(),
      // Only commands inside a traced operation: BullMQ's blocking polls would flood the trace store.
      new IORedisInstrumentation({ requireParentSpan: true }),
      new PrismaInstrumentation(),
      ...(options.graphql ? [new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true })] : []),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown(), bullmq: new BullMQOtel({ tracerName: 'bullmq' }) };
}
