/**
 * The benchmark's worker process: the project's createWorker and real activities, the ARM client pointed at
 * the emulator, the workflow bundle the parent built (with the metrics interceptors, as in production).
 * Settings arrive as JSON in BENCH_WORKER; the IPC message 'memory' asks for its process.memoryUsage(), any
 * other (or the parent going away) shuts it down, and it answers with its usage.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { capacityConfigSchema } from '../src/capacity/config';
import { createAciClient, EMULATOR_SUBSCRIPTION_ID, emulatorCredential } from '../src/azure/client';
import { RunStorage } from '../src/storage/run-storage';
import { createWorker, createWorkerActivities } from '../src/worker';
import { scaleRetryDelays } from './retry-delays';
import { BENCH_RESOURCE_GROUP, type WorkerMessage, type WorkerProcessSettings } from './worker-child';

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessSettings;
  Runtime.install({
    logger: new DefaultLogger(settings.logLevel ?? 'WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const connection = await NativeConnection.connect({ address: settings.address });
  const clientConnection = await Connection.connect({ address: settings.address });
  const aci = createAciClient({
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    credential: emulatorCredential,
    endpoint: settings.emulatorEndpoint,
    caPem: settings.caPem,
  });
  const activities = createWorkerActivities({
    aci,
    defaultResourceGroup: BENCH_RESOURCE_GROUP,
    pollIntervalMs: settings.pollIntervalMs,
    client: new Client({ connection: clientConnection, namespace: settings.namespace }),
    capacity: settings.capacity ?? capacityConfigSchema.parse({}),
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    taskQueue: settings.taskQueue,
    storage: settings.storage && new RunStorage(settings.storage),
  });
  const worker = await createWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    activities:
      settings.retryDelayScale === undefined
        ? activities
        : scaleRetryDelays(activities, settings.retryDelayScale),
    workflowBundle: { codePath: settings.bundlePath },
    limits: {
      maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
      ...(settings.maxConcurrentWorkflowTaskExecutions !== undefined && {
        maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTaskExecutions,
      }),
      ...(settings.maxCachedWorkflows !== undefined && { maxCachedWorkflows: settings.maxCachedWorkflows }),
    },
  });
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  // asked to stop (any message but 'memory'), or the bench is gone (its IPC channel closed)
  process
    .on('message', (message) => {
      if (message === 'memory') send({ kind: 'memory', ...process.memoryUsage() });
      else stop();
    })
    .once('disconnect', stop);
  const running = worker.run();
  send({ kind: 'ready' });
  await running;
  await Promise.all([connection.close(), clientConnection.close()]);
  const usage = process.resourceUsage();
  send({
    kind: 'stopped',
    peakRssBytes: usage.maxRSS * 1024,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  });
  process.disconnect();
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

main().catch((error: unknown) => {
  console.error('bench worker:', error);
  process.exit(1);
});
