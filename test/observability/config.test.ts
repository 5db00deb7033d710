import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config';
import { loadObservabilityConfig } from '../../src/observability/config';
import { startTracing } from '../../src/observability/tracing';

describe('observability settings', () => {
  it('are all off by default: no exporter, no metrics endpoints', async () => {
    const config = loadObservabilityConfig({});
    expect(config).toEqual({
      tracing: { otlpTracesUrl: undefined, azureMonitorConnectionString: undefined, serviceName: undefined },
      metrics: undefined,
      temporalMetricsAddress: undefined,
      logLevel: 'info',
    });
    expect(await startTracing(config.tracing, 'test')).toBeUndefined();
  });

  it('send traces to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, unless the traces endpoint is given', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' };
    expect(loadObservabilityConfig(base).tracing.otlpTracesUrl).toBe('http://collector:4318/v1/traces');
    const explicit = { ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest' };
    expect(loadObservabilityConfig(explicit).tracing.otlpTracesUrl).toBe('https://traces.example/ingest');
  });

  it('turn tracing off with OTEL_SDK_DISABLED, whatever else is set', () => {
    const config = loadObservabilityConfig({
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    });
    expect(config.tracing).toEqual({});
  });

  it('serve metrics only where asked', () => {
    const config = loadObservabilityConfig({
      ACI_BATCH_METRICS_PORT: '9100',
      ACI_BATCH_TEMPORAL_METRICS_ADDRESS: '0.0.0.0:9464',
    });
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(config.temporalMetricsAddress).toBe('0.0.0.0:9464');
  });

  it('name every bad variable at once', () => {
    const load = () =>
      loadObservabilityConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'not a connection string',
        ACI_BATCH_METRICS_PORT: 'ninety',
        ACI_BATCH_TEMPORAL_METRICS_ADDRESS: 'http://host:9464',
        ACI_BATCH_LOG_LEVEL: 'loud',
      });
    expect(load).toThrow(ConfigError);
    for (const name of [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'ACI_BATCH_METRICS_PORT',
      'ACI_BATCH_TEMPORAL_METRICS_ADDRESS',
      'ACI_BATCH_LOG_LEVEL',
    ]) {
      expect(load).toThrow(name);
    }
  });
});
