import { z } from 'zod';
import { parseConfig } from '../config';

/**
 * The standard OpenTelemetry variables that decide whether a process traces at all
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). The SDK
 * reads the rest (protocol, headers, sampler, batch delays, resource attributes) itself.
 */
const tracingEnvSchema = z.object({
  OTEL_SDK_DISABLED: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(['true', 'false', '']).default('false'),
  ),
  /** Comma-separated exporters: `otlp` (default), `console`, `zipkin`, `none`. */
  OTEL_TRACES_EXPORTER: z.string().default(''),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().default(''),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().default(''),
  OTEL_SERVICE_NAME: z.string().default(''),
});

/** What {@link tracingSettings} decided for this process. */
export interface TracingSettings {
  enabled: boolean;
  /** OTEL_SERVICE_NAME when set (the SDK applies it then), else undefined. */
  serviceName: string | undefined;
}

/**
 * Tracing is on unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER contains `none`, and only
 * when there is somewhere to send spans: an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) for the default `otlp` exporter, or another exporter named
 * explicitly (`console`, `zipkin`). Unset endpoint and exporter: off, so a fresh clone pays nothing.
 * @throws ConfigError when a variable is malformed (OTEL_SDK_DISABLED not a boolean).
 */
export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  const parsed = parseConfig(tracingEnvSchema, env);
  const serviceName = parsed.OTEL_SERVICE_NAME.trim() || undefined;
  if (parsed.OTEL_SDK_DISABLED === 'true') return { enabled: false, serviceName };
  const exporters = parsed.OTEL_TRACES_EXPORTER.split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (exporters.includes('none')) return { enabled: false, serviceName };
  const hasEndpoint = parsed.OTEL_EXPORTER_OTLP_ENDPOINT.trim() !== '' || parsed.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.trim() !== '';
  const otherExporter = exporters.some((e) => e !== 'otlp');
  return { enabled: hasEndpoint || otherExporter, serviceName };
}

/**
 * The service name of a process from its entry script, when OTEL_SERVICE_NAME does not say:
 * `gateway/src/main.ts` → `gateway`, `subgraphs/order/src/main.ts` → `order-subgraph`,
 * `subgraphs/order/src/workers/checkout.main.ts` or `subgraphs/user/src/notifications/notification.main.ts`
 * → `checkout-worker`, `notification-worker` (the process manifest's names, deploy/processes.ts).
 * Anything else: the file's base name without extensions.
 */
export function serviceNameFor(entryScript: string): string {
  const parts = entryScript.split(/[\\/]/);
  const file = parts.at(-1) ?? 'process';
  const base = file.replace(/(\.main)?\.[cm]?[jt]s$/, '');
  if (parts.at(-3) === 'gateway' && file.startsWith('main.')) return 'gateway';
  if (parts.at(-4) === 'subgraphs' && file.startsWith('main.')) return `${parts.at(-3)}-subgraph`;
  if (file.includes('.main.')) return `${base}-worker`;
  return base;
}
