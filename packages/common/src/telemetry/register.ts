/**
 * The first import of every process's main (`import '@commerce/common/src/telemetry/register'`):
 * starts tracing before anything else is required, named after the entry script
 * ({@link serviceNameFor}) unless OTEL_SERVICE_NAME names it. graphql-js is instrumented in
 * every process but the gateway. Imports nothing but the tracing start-up, for the same reason.
 */
import { serviceNameFor } from './settings';
import { startTracing } from './start';

const serviceName = serviceNameFor(process.argv[1] ?? 'process');
try {
  startTracing(serviceName, { graphql: serviceName !== 'gateway' });
} catch (err) {
  // No logger yet (pino must load after the instrumentations): the message alone, as the mains do.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
