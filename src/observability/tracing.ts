/**
 * OpenTelemetry tracing for a process (worker, API): a tracer provider registered globally, exporting by
 * OTLP/HTTP and/or to Azure Monitor, and Temporal's OpenTelemetry plugin, which traces client calls (start,
 * signal, query), workflow executions, child workflows and activities, and carries the trace across them in
 * Temporal headers. Nothing configured: no provider, no plugin, no network.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { TracingConfig } from './config';

export interface Tracing {
  /** for `Worker.create`, `new Client(...)` and `bundleWorkflowCode` (`plugins: [tracing.plugin]`) */
  plugin: OpenTelemetryPlugin;
  /** exports the spans still buffered (before a short-lived process exits, or in tests) */
  flush(): Promise<void>;
  /** flushes the spans still buffered, then unregisters the provider */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when an exporter is configured; undefined otherwise. `exporters` replaces the configured
 * ones (tests collect spans in memory).
 */
export async function startTracing(
  config: TracingConfig,
  defaultServiceName: string,
  exporters?: SpanExporter[],
): Promise<Tracing | undefined> {
  const chosen = exporters ?? (await configuredExporters(config));
  if (chosen.length === 0) return undefined;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.serviceName ?? defaultServiceName });
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: chosen.map((exporter) => new BatchSpanProcessor(exporter)),
  });
  // global: activity code, the HTTP API hooks and the SDK interceptors all find the provider through the API
  provider.register();
  return {
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor: provider.getActiveSpanProcessor() }),
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

async function configuredExporters(config: TracingConfig): Promise<SpanExporter[]> {
  const exporters: SpanExporter[] = [];
  if (config.otlpTracesUrl) exporters.push(new OTLPTraceExporter({ url: config.otlpTracesUrl }));
  if (config.azureMonitorConnectionString) {
    // loaded only when used: it pulls in a large dependency tree
    const { AzureMonitorTraceExporter } = await import('@azure/monitor-opentelemetry-exporter');
    exporters.push(new AzureMonitorTraceExporter({ connectionString: config.azureMonitorConnectionString }));
  }
  return exporters;
}
