import type { Telemetry } from 'bullmq';

/** The running SDK of this process, set by startTracing; undefined while tracing is off. */
export interface ActiveTracing {
  /** Flushes the spans still buffered and stops exporting. */
  shutdown: () => Promise<void>;
  /** BullMQ's telemetry adapter (bullmq-otel), for the `telemetry` option of a Queue or Worker. */
  bullmq: Telemetry;
}

let active: ActiveTracing | undefined;

/** Records the SDK startTracing started (once per process). */
export function setActiveTracing(tracing: ActiveTracing): void {
  active = tracing;
}

/** The running SDK, or undefined when this process does not trace. */
export function activeTracing(): ActiveTracing | undefined {
  return active;
}
