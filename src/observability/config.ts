/**
 * Observability settings from the environment. Everything is off unless configured: no exporter, no metrics
 * endpoint, no network.
 *
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   traces by OTLP/HTTP to this URL (e.g. http://collector:4318/v1/traces)
 *   OTEL_EXPORTER_OTLP_ENDPOINT          ... or to <this URL>/v1/traces (OTEL_EXPORTER_OTLP_HEADERS is honoured)
 *   APPLICATIONINSIGHTS_CONNECTION_STRING traces to Azure Monitor / Application Insights
 *   OTEL_SERVICE_NAME                    service name on every span (default: aci-batch-worker, aci-batch-api)
 *   OTEL_SDK_DISABLED=true               no tracing, whatever else is set
 *   ACI_BATCH_METRICS_PORT, ACI_BATCH_METRICS_HOST   the worker's own /metrics (Prometheus), host 127.0.0.1
 *   ACI_BATCH_TEMPORAL_METRICS_ADDRESS   host:port of the Temporal runtime's Prometheus endpoint on the worker
 *   ACI_BATCH_LOG_LEVEL                  level of the worker's JSON logs (info)
 */
import { z } from 'zod';
import { hostPort, httpUrl, wholeNumber } from '../shared/validation';
import { parseEnv } from '../config';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface TracingConfig {
  /** full OTLP/HTTP traces URL */
  otlpTracesUrl?: string;
  /** Application Insights connection string (holds the ingestion key: never logged) */
  azureMonitorConnectionString?: string;
  serviceName?: string;
}

export interface ObservabilityConfig {
  tracing: TracingConfig;
  /** the project's own metrics endpoint; absent: not served */
  metrics?: { host: string; port: number };
  /** bind address of the Temporal runtime's Prometheus endpoint; absent: not served */
  temporalMetricsAddress?: string;
  logLevel: LogLevelName;
}

const url = httpUrl('must be an http(s) URL');

const observabilityEnv = z.object({
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .includes('InstrumentationKey=', 'must be an Application Insights connection string')
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  ACI_BATCH_METRICS_PORT: wholeNumber(0, 65535).optional(),
  ACI_BATCH_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // e.g. 127.0.0.1:9464 (0.0.0.0:9464 to scrape from outside)
  ACI_BATCH_TEMPORAL_METRICS_ADDRESS: hostPort.optional(),
  ACI_BATCH_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

/** The variables loadObservabilityConfig reads. */
export const OBSERVABILITY_ENV_VARS: readonly string[] = Object.keys(observabilityEnv.shape);

/** Reads the observability settings; one ConfigError lists every bad variable. */
export function loadObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const parsed = parseEnv(observabilityEnv, env);
  const disabled = parsed.OTEL_SDK_DISABLED === 'true';
  const base = parsed.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  return {
    tracing: disabled
      ? {}
      : {
          otlpTracesUrl: parsed.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base}/v1/traces`),
          azureMonitorConnectionString: parsed.APPLICATIONINSIGHTS_CONNECTION_STRING,
          serviceName: parsed.OTEL_SERVICE_NAME,
        },
    metrics:
      parsed.ACI_BATCH_METRICS_PORT === undefined
        ? undefined
        : { host: parsed.ACI_BATCH_METRICS_HOST, port: parsed.ACI_BATCH_METRICS_PORT },
    temporalMetricsAddress: parsed.ACI_BATCH_TEMPORAL_METRICS_ADDRESS,
    logLevel: parsed.ACI_BATCH_LOG_LEVEL,
  };
}
