import { SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { Telemetry } from 'bullmq';
import { activeTracing } from './state';

export { shutdownTracing, startTracing } from './start';
export { serviceNameFor, tracingSettings, type TracingSettings } from './settings';
export { SpanKind };

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) of a span, as it travels where HTTP
 * headers cannot: an outbox row, a BullMQ job, a pub/sub event.
 */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const tracer = () => trace.getTracer('@commerce/common');

/** Whether this process traces (startTracing started the SDK). */
export const tracingActive = (): boolean => activeTracing() !== undefined;

/** The trace context of the active span, or undefined when there is none (always, with tracing off). */
export function currentTraceCarrier(): TraceCarrier | undefined {
  if (!tracingActive()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (!carrier.traceparent) return undefined;
  return carrier.tracestate ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate } : { traceparent: carrier.traceparent };
}

/** The `trace` a pub/sub event carries (see OrderStatusEvent), when it is well-formed; else undefined. */
export function traceOfEvent(event: unknown): TraceCarrier | undefined {
  const trace = (event as { trace?: unknown } | null)?.trace as Partial<TraceCarrier> | undefined;
  if (typeof trace?.traceparent !== 'string') return undefined;
  return typeof trace.tracestate === 'string'
    ? { traceparent: trace.traceparent, tracestate: trace.tracestate }
    : { traceparent: trace.traceparent };
}

/** The context `carrier` was taken in (the active one when there is no carrier), for spans started in it. */
export function contextOf(carrier: TraceCarrier | null | undefined): Context {
  if (!carrier) return context.active();
  return propagation.extract(context.active(), carrier);
}

/** Options of {@link inSpan} and {@link openSpan}. */
export interface SpanOptions {
  /** The remote parent (from an outbox row, a job, an event); default: the active span. */
  parent?: TraceCarrier | null;
  kind?: SpanKind;
  attributes?: Attributes;
}

const endWith = (span: Span, error?: unknown) => {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
};

/**
 * Runs `fn` in a new span named `name` (a child of `options.parent` or of the active span), which
 * ends when `fn` settles, with the error recorded when it throws. With tracing off the span is
 * OpenTelemetry's no-op span: one function call of overhead.
 * @throws whatever `fn` throws.
 */
export async function inSpan<T>(name: string, fn: (span: Span) => Promise<T>, options: SpanOptions = {}): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    contextOf(options.parent),
    async (span) => {
      try {
        const result = await fn(span);
        endWith(span);
        return result;
      } catch (err) {
        endWith(span, err);
        throw err;
      }
    },
  );
}

/** A span that outlives one call: started on one event, ended on a later one (e.g. delivery). */
export interface OpenSpan {
  /** Runs `fn` with the span active, so spans `fn` starts (fetches, queries) are its children. */
  run<T>(fn: () => T): T;
  /** Ends the span; with `error`, records it and marks the span failed. Later calls do nothing. */
  end(error?: unknown): void;
}

/** Starts a span named `name` that the caller ends ({@link OpenSpan.end}). */
export function openSpan(name: string, options: SpanOptions = {}): OpenSpan {
  const parent = contextOf(options.parent);
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
  );
  const active = trace.setSpan(parent, span);
  let ended = false;
  return {
    run: (fn) => context.with(active, fn),
    end: (error) => {
      if (ended) return;
      ended = true;
      endWith(span, error);
    },
  };
}

/**
 * The `telemetry` option of a BullMQ Queue or Worker (bullmq-otel): producer spans on add,
 * consumer spans around each job, parented to the context the job was added in. Undefined with
 * tracing off, which BullMQ treats as no telemetry at all.
 */
export const jobTelemetry = (): Telemetry | undefined => activeTracing()?.bullmq;

/**
 * Job options that make a job's consumer span a child of `carrier` rather than of whatever is
 * active when it is added (the outbox relay adds jobs long after, and far from, the request that
 * wrote them). In bullmq-otel's metadata format (the JSON of a W3C carrier); BullMQ keeps it
 * with the job even when the adding process does not trace. `{}` without a carrier.
 */
export function jobTraceOptions(carrier: TraceCarrier | null | undefined): { telemetry?: { metadata: string } } {
  return carrier ? { telemetry: { metadata: JSON.stringify(carrier) } } : {};
}

/** `trace_id`/`span_id` of the active span for a log line (pino `mixin`); `{}` outside a span. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
