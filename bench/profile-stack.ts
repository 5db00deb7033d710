/**
 * One emulator profile's assembly: the ACI emulator with that profile's latency and limits raised, Azurite for
 * the runs' log archive (unless a storage account is configured), the worker in its own process on a fresh task
 * queue, the ARM client the baseline uses, and the container driver.
 */
import { randomBytes } from 'node:crypto';
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { Client } from '@temporalio/client';
import { createAciClient, EMULATOR_SUBSCRIPTION_ID, emulatorCredential } from '../src/azure/client';
import { startAzurite } from '../dev/azurite';
import { startEmulator, type Emulator } from '../dev/emulator';
import { loadStorageConfig } from '../src/storage/config';
import { capacityConfigSchema } from '../src/capacity/config';
import { BENCH_IMAGES, ContainerDriver } from './containers';
import type { BenchPlan, ProfilePlan } from './options';
import type { BenchTemporal } from './temporal';
import { startWorkerChild, type WorkerChild, type WorkerUsage } from './worker-child';

export interface ProfileStack {
  plan: ProfilePlan;
  emulator: Emulator;
  /** the baseline's ARM client: the same SDK and settings as the activities' */
  aci: ContainerInstanceManagementClient;
  client: Client;
  taskQueue: string;
  containers: ContainerDriver;
  /** the processes whose CPU time is measured, by name */
  processes: Record<string, number | undefined>;
  /** stops the worker (returning its usage), the driver and the emulator */
  stop(): Promise<WorkerUsage>;
}

export async function startProfileStack(
  plan: ProfilePlan,
  bench: BenchPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  /** where the worker writes V8 CPU profiles (--profile) */
  cpuProfileDir?: string,
): Promise<ProfileStack> {
  const { armRatePerWindow, containerGroups, cores } = bench.emulator;
  const emulator = await startEmulator({
    images: BENCH_IMAGES,
    latency: plan.latency,
    quotas: { containerGroups, cores },
    rateLimits: {
      createsPerHour: armRatePerWindow,
      createsPer5Min: armRatePerWindow,
      deletesPerHour: armRatePerWindow,
      deletesPer5Min: armRatePerWindow,
    },
    // a group is never killed gracefully in the bench: `sleep` exits on SIGTERM at once
    killGraceMs: 100,
    // these scenarios measure orchestration, not ARM's read budget: reads are not throttled
    readBucket: false,
  });
  const taskQueue = `bench-${plan.name}-${randomBytes(4).toString('hex')}`;
  let worker: WorkerChild;
  const configured = loadStorageConfig();
  const azurite = configured
    ? undefined
    : await startAzurite().catch(async (error: unknown) => {
        await emulator.close();
        throw error;
      });
  const storage = configured ?? azurite?.storageConfig();
  try {
    worker = await startWorkerChild(
      {
        address: temporal.address,
        namespace: temporal.namespace,
        taskQueue,
        bundlePath,
        emulatorEndpoint: emulator.endpoint,
        caPem: emulator.caPem,
        pollIntervalMs: plan.pollIntervalMs,
        maxConcurrentActivityTaskExecutions: bench.worker.maxConcurrentActivityTaskExecutions,
        // admission on, with the limits of this emulator: the ledger paces as the emulator counts
        capacity: capacityConfigSchema.parse({
          defaults: {
            limits: {
              cores,
              groups: containerGroups,
              createsPer5Min: armRatePerWindow,
              createsPerHour: armRatePerWindow,
              deletesPer5Min: armRatePerWindow,
              deletesPerHour: armRatePerWindow,
              armReadsPerSecond: 10_000,
            },
          },
        }),
        storage,
      },
      cpuProfileDir,
    );
  } catch (error) {
    await azurite?.stop();
    await emulator.close();
    throw error;
  }
  const containers = new ContainerDriver(emulator);
  const aci = createAciClient({
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    credential: emulatorCredential,
    endpoint: emulator.endpoint,
    caPem: emulator.caPem,
  });
  return {
    plan,
    emulator,
    aci,
    client: temporal.client,
    taskQueue,
    containers,
    processes: {
      'Temporal server': temporal.serverPid,
      worker: worker.pid,
      'bench + emulator': process.pid,
    },
    stop: async () => {
      try {
        return await worker.stop();
      } finally {
        containers.stop();
        await azurite?.stop();
        await emulator.close();
      }
    },
  };
}
