import { activeTracing, setActiveTracing } from './state';
import { tracingSettings } from './settings';

/**
 * Starts tracing for this process when the OTEL_* variables ask for it ({@link tracingSettings}),
 * and does nothing otherwise: the SDK and its instrumentations are not even loaded then.
 * Instrumentations patch modules as they are required, so this must run before the process
 * requires http, express, ioredis, bullmq or a Prisma client (see register.ts). A second call is a no-op.
 * @param serviceName `service.name` when OTEL_SERVICE_NAME is unset, e.g. `order-subgraph`.
 * @returns whether the process traces.
 * @throws ConfigError when an OTEL_* variable it reads is malformed.
 */
export function startTracing(serviceName: string, options: { graphql: boolean }): boolean {
  if (activeTracing()) return true;
  const settings = tracingSettings();
  if (!settings.enabled) return false;
  // Synchronous on purpose: the main's next imports must already be patched. Dynamic, so a process
  // with tracing off never loads the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSdk } = require('./sdk') as typeof import('./sdk');
  setActiveTracing(startSdk(settings.serviceName ? undefined : serviceName, options));
  return true;
}

/** Flushes buffered spans and stops the SDK; resolves at once when tracing is off. Never rejects. */
export async function shutdownTracing(): Promise<void> {
  await activeTracing()
    ?.shutdown()
    .catch(() => undefined);
}
