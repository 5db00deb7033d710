/**
 * The worker: runs the workflows and the ACI activities on one task queue. Scale out by running more of it.
 *
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE      where to connect and poll (src/config.ts)
 *   AZURE_* / ACI_*                                                 the ARM target (src/azure/client.ts)
 *   ACI_BATCH_CALLBACK_SECRET                                       signs per-run callback tokens (shared with the API)
 *   ACI_BATCH_PAYLOAD_KEYS                                          encrypts payloads (src/security/data-converter.ts)
 *   ACI_BATCH_JANITOR_INTERVAL, ACI_BATCH_STOPPED_RETENTION         the janitor's schedule (src/janitor-schedule.ts)
 *   ACI_BATCH_STORAGE_*                                             the log archive and outputs (src/storage/config.ts)
 *   WORKER_MAX_CONCURRENT_ACTIVITIES, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, WORKER_MAX_CACHED_WORKFLOWS
 *   OTEL_*, APPLICATIONINSIGHTS_CONNECTION_STRING, ACI_BATCH_METRICS_*, ACI_BATCH_TEMPORAL_METRICS_ADDRESS,
 *   ACI_BATCH_LOG_LEVEL                                             tracing, metrics, logs (src/observability/config.ts)
 *
 * Prices are not worker settings: they travel in each job's input (see loadJobSettings in src/client/job-settings.ts), so
 * a job's cost never depends on which worker ran or replays it.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { secret, wholeNumber } from './shared/validation';
import { createActivities } from './activities';
import { createJanitorActivities, type JanitorActivityDeps } from './activities/janitor';
import { createCapacityActivities, type CapacityActivityDeps } from './activities/capacity';
import { createJobActivities } from './activities/jobs';
import type {
  AciActivities,
  CapacityActivities,
  JanitorActivities,
  JobActivities,
  StorageActivities,
} from './activities/types';
import { loadCapacityConfig } from './capacity/load';
import { ensureJanitorSchedule, loadJanitorScheduleConfig } from './janitor-schedule';
import { dataConverterFromEnv } from './security/data-converter';
import { RunTokens } from './security/run-tokens';
import { createAciClientsFromConfig, loadAzureConfig } from './azure/client';
import { loadAll, loadTemporalConfig, parseEnv, type TemporalConfig } from './config';
import { loadObservabilityConfig } from './observability/config';
import { ProjectMetrics } from './observability/metrics';
import { metricsSinks } from './observability/metrics-sinks';
import type { Tracing } from './observability/tracing';
import { WORKFLOW_INTERCEPTOR_MODULES } from './observability/workflow-bundle';
import { startWorkerObservability } from './observability/worker-observability';
import { loadStorageConfig } from './storage/config';
import { RunStorage } from './storage/run-storage';

export interface WorkerLimits {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows: number;
}

export interface WorkerConfig {
  temporal: TemporalConfig;
  limits: WorkerLimits;
  callbackSecret?: string;
}

const count = (max: number) => wholeNumber(1, max);

const workerEnv = z.object({
  WORKER_MAX_CONCURRENT_ACTIVITIES: count(10_000).default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: count(1_000).default(40),
  WORKER_MAX_CACHED_WORKFLOWS: count(100_000).default(1_000),
  ACI_BATCH_CALLBACK_SECRET: secret().optional(),
});

/** The variables loadWorkerConfig reads itself (besides TEMPORAL_ENV_VARS). */
export const WORKER_ENV_VARS: readonly string[] = Object.keys(workerEnv.shape);

/** Reads the worker's settings; one ConfigError lists every bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const { parsed, temporal } = loadAll({
    parsed: () => parseEnv(workerEnv, env),
    temporal: () => loadTemporalConfig(env),
  });
  return {
    temporal,
    limits: {
      maxConcurrentActivityTaskExecutions: parsed.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: parsed.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: parsed.WORKER_MAX_CACHED_WORKFLOWS,
    },
    callbackSecret: parsed.ACI_BATCH_CALLBACK_SECRET,
  };
}

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** the janitor's, admission's, storage's and the dependency wait's activities are needed only where they run */
  activities: AciActivities &
    Partial<JanitorActivities & CapacityActivities & StorageActivities & JobActivities>;
  /** payload encryption (src/security/data-converter.ts); default: payloads in clear */
  dataConverter?: DataConverter;
  /** a prebuilt bundle (tests bundle once per run); default: bundle src/workflows at start */
  workflowBundle?: { codePath: string };
  limits?: Partial<WorkerLimits>;
  /** recorded from the workflows' metrics interceptors; default: a registry nobody serves */
  metrics?: ProjectMetrics;
  /** traces workflows (when bundled here; else bundle with it, see bundleWorkflows), activities and client calls */
  tracing?: Tracing;
}

/** The worker, from its dependencies: the process below, and end-to-end tests with their own. */
export function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: deps.activities,
    dataConverter: deps.dataConverter,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : {
          workflowsPath: require.resolve('./workflows'),
          interceptors: { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] },
        }),
    // the bundle's metrics interceptors report here; a prebuilt bundle without them simply never calls it
    sinks: metricsSinks(deps.metrics ?? new ProjectMetrics()),
    plugins: deps.tracing ? [deps.tracing.plugin] : [],
    ...deps.limits,
    // long ARM operations resume from their heartbeat on another worker, so a short grace is enough
    shutdownGraceTime: '30 seconds',
  });
}

export type WorkerActivityDeps = JanitorActivityDeps &
  Omit<CapacityActivityDeps, 'aci' | 'client'> & {
    /** the log archive and outputs; absent: runs keep only their log tail */
    storage?: RunStorage;
  };

/**
 * Every activity a worker serves: the ACI activities (minting run tokens with `runTokens`), the log archive's
 * and outputs', the janitor's, admission's (the capacity ledgers run on the worker's task queue), and the wait
 * for a job's dependencies.
 */
export function createWorkerActivities(
  deps: WorkerActivityDeps,
): AciActivities & StorageActivities & JanitorActivities & CapacityActivities & JobActivities {
  return {
    ...createActivities(deps),
    ...createJanitorActivities(deps),
    ...createCapacityActivities(deps),
    ...createJobActivities(deps),
  };
}

async function main(): Promise<void> {
  // every group of settings read before anything starts: one message names every bad variable
  const settings = loadAll({
    config: () => loadWorkerConfig(),
    azure: () => loadAzureConfig(),
    dataConverter: () => dataConverterFromEnv(),
    janitorSchedule: () => loadJanitorScheduleConfig(),
    observability: () => loadObservabilityConfig(),
    capacity: () => loadCapacityConfig(),
    storage: () => loadStorageConfig(),
  });
  const { config, azure, dataConverter, janitorSchedule, capacity } = settings;
  const storage = settings.storage && new RunStorage(settings.storage);
  const observability = await startWorkerObservability(settings.observability);
  // the runtime shuts the worker down gracefully on these signals; run() then resolves
  Runtime.install({ ...observability.runtimeOptions, shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  // the janitor asks Temporal about the runs that own its groups, through a client (connected on first use)
  const clientConnection = Connection.lazy({ address: config.temporal.address });
  try {
    const client = new Client({
      connection: clientConnection,
      namespace: config.temporal.namespace,
      dataConverter,
    });
    const aciDeps = {
      // pools may live in other subscriptions: a client per subscription, one credential
      ...createAciClientsFromConfig(azure),
      defaultResourceGroup: azure.defaultResourceGroup,
      pollIntervalMs: azure.pollIntervalMs,
    };
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: createWorkerActivities({
        ...aciDeps,
        client,
        runTokens: config.callbackSecret ? new RunTokens(config.callbackSecret) : undefined,
        capacity,
        subscriptionId: azure.subscriptionId,
        taskQueue: config.temporal.taskQueue,
        storage,
      }),
      dataConverter,
      limits: config.limits,
      metrics: observability.metrics,
      tracing: observability.tracing,
    });
    if (janitorSchedule) await ensureJanitorSchedule(client, config.temporal.taskQueue, janitorSchedule);
    await worker.run();
  } finally {
    await Promise.all([connection.close(), clientConnection.close()]);
    await observability.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
