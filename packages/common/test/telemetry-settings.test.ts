import { serviceNameFor, tracingSettings } from '../src/telemetry/settings';
import { ConfigError } from '../src/config';

describe('tracingSettings: on only when OTEL_* gives spans somewhere to go', () => {
  test.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'TRUE' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'false' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
  ])('%j → %s', (env, enabled) => {
    expect(tracingSettings(env).enabled).toBe(enabled);
  });

  test('OTEL_SERVICE_NAME is reported so the SDK, not our default, names the process', () => {
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'orders-eu' }).serviceName).toBe('orders-eu');
    expect(tracingSettings({}).serviceName).toBeUndefined();
  });

  test('a malformed OTEL_SDK_DISABLED stops the process at start-up', () => {
    expect(() => tracingSettings({ OTEL_SDK_DISABLED: 'yes' })).toThrow(ConfigError);
  });
});

test.each([
  ['/app/gateway/src/main.ts', 'gateway'],
  ['/app/subgraphs/order/src/main.ts', 'order-subgraph'],
  ['/app/subgraphs/order/src/workers/checkout.main.ts', 'checkout-worker'],
  ['/app/subgraphs/product/src/workers/rating-sync.main.ts', 'rating-sync-worker'],
  ['/app/scripts/bench-catalog.ts', 'bench-catalog'],
])('serviceNameFor(%s) = %s, the name its logger uses', (entry, name) => {
  expect(serviceNameFor(entry)).toBe(name);
});
