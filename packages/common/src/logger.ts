import pino, { type Logger } from 'pino';
import { traceLogFields, tracingActive } from './telemetry';

export type { Logger };

/**
 * A JSON logger (pino) named after its process: `user-subgraph`, `checkout-worker`, `gateway` …
 * When the process traces, each line logged inside a span carries its `trace_id` and `span_id`;
 * otherwise no mixin runs at all.
 */
export function createLogger(name: string, level: string = 'info'): Logger {
  return pino({
    name,
    level,
    // Tokens and passwords never reach the logs, even when a request is logged whole.
    redact: ['req.headers.authorization', 'req.headers["x-caller-token"]', '*.password', 'password'],
    ...(tracingActive() ? { mixin: traceLogFields } : {}),
  });
}
