/**
 * A worker in a process of its own, so that the worker-kill scenario can SIGKILL it while the ACI emulator (in
 * the test process) and the Temporal server live on. It is the production assembly (src/worker.ts: the same
 * config loaders, activities, run tokens and createWorker) except for one test-only setting: the workflow
 * bundle the test run built once, so that a restarted worker is polling within seconds.
 *
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE       src/config.ts
 *   ACI_EMULATOR_ENDPOINT, ACI_EMULATOR_CA_PEM, ACI_RESOURCE_GROUP  src/azure/client.ts
 *   ACI_POLL_INTERVAL_MS, ACI_BATCH_CALLBACK_SECRET                 src/azure/client.ts, src/worker.ts
 *   CHAOS_WORKFLOW_BUNDLE                                           path of the prebuilt workflow bundle
 *
 * Prints WORKER_READY_LINE on stdout once it polls; SIGTERM shuts it down gracefully; it exits when the test
 * process that started it (through an IPC channel) is gone.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadCapacityConfig } from '../../src/capacity/load';
import { createAciClientFromConfig, loadAzureConfig } from '../../src/azure/client';
import { RunTokens } from '../../src/security/run-tokens';
import { createWorker, createWorkerActivities, loadWorkerConfig } from '../../src/worker';
import { QUIET_RUNTIME_OPTIONS } from '../helpers/quiet-runtime';

export const WORKER_READY_LINE = 'chaos worker ready';
export const WORKFLOW_BUNDLE_ENV = 'CHAOS_WORKFLOW_BUNDLE';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const azure = loadAzureConfig();
  const bundlePath = process.env[WORKFLOW_BUNDLE_ENV];
  if (!bundlePath) throw new Error(`${WORKFLOW_BUNDLE_ENV} is not set`);
  // the tests' quiet runtime, and the graceful shutdown on SIGTERM that the scenarios use
  Runtime.install({ ...QUIET_RUNTIME_OPTIONS, shutdownSignals: ['SIGTERM'] });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = Connection.lazy({ address: config.temporal.address });
  try {
    const activities = createWorkerActivities({
      aci: createAciClientFromConfig(azure),
      defaultResourceGroup: azure.defaultResourceGroup,
      pollIntervalMs: azure.pollIntervalMs,
      runTokens: config.callbackSecret ? new RunTokens(config.callbackSecret) : undefined,
      client: new Client({ connection: clientConnection, namespace: config.temporal.namespace }),
      capacity: loadCapacityConfig(),
      subscriptionId: azure.subscriptionId,
      taskQueue: config.temporal.taskQueue,
    });
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities,
      workflowBundle: { codePath: bundlePath },
      limits: config.limits,
    });
    const running = worker.run();
    console.log(WORKER_READY_LINE);
    await running;
  } finally {
    await Promise.all([connection.close(), clientConnection.close()]);
  }
}

if (require.main === module) {
  // started by the test (with an IPC channel): follow it when it goes
  process.once('disconnect', () => process.exit(1));
  process.channel?.unref(); // the channel alone must not keep a stopped worker alive
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
