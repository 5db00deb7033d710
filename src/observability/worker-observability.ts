/**
 * Everything observable about a worker process, from its configuration: JSON logs for the Temporal runtime
 * (core logs forwarded too), the runtime's own Prometheus endpoint, the project's /metrics endpoint, and
 * tracing. `runtimeOptions` go to `Runtime.install` before the first connection.
 */
import type { RuntimeOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { ObservabilityConfig } from './config';
import { createLogger } from './logger';
import { ProjectMetrics } from './metrics';
import { startMetricsServer } from './metrics-server';
import { JsonTemporalLogger } from './temporal-logger';
import { startTracing, type Tracing } from './tracing';

const WORKER_SERVICE_NAME = 'aci-batch-worker';

export interface WorkerObservability {
  logger: Logger;
  runtimeOptions: Pick<RuntimeOptions, 'logger' | 'telemetryOptions'>;
  metrics: ProjectMetrics;
  /** where the project's metrics are served, when they are */
  metricsUrl?: string;
  tracing?: Tracing;
  /** stops the metrics endpoint and flushes the spans */
  close(): Promise<void>;
}

export async function startWorkerObservability(config: ObservabilityConfig): Promise<WorkerObservability> {
  const logger = createLogger(WORKER_SERVICE_NAME, config.logLevel);
  const metrics = new ProjectMetrics();
  const metricsServer = config.metrics && (await startMetricsServer(metrics.registry, config.metrics));
  const tracing = await startTracing(config.tracing, WORKER_SERVICE_NAME);
  const runtimeOptions: WorkerObservability['runtimeOptions'] = {
    logger: new JsonTemporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(config.temporalMetricsAddress && {
        metrics: { prometheus: { bindAddress: config.temporalMetricsAddress } },
      }),
    },
  };
  return {
    logger,
    runtimeOptions,
    metrics,
    metricsUrl: metricsServer?.url,
    tracing,
    close: async () => {
      await metricsServer?.close();
      await tracing?.shutdown();
    },
  };
}
