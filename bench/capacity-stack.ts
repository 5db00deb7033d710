/**
 * One side of the capacity scenario: an emulator with the scenario's small account and compressed windows,
 * the worker in its own process with a capacity configuration of the same limits and scale (admission on or
 * off), on a fresh task queue, and the container driver. Each side gets its own, so that neither inherits the
 * other's create budget.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { LATENCY_PROFILES, startEmulator, type Emulator } from '../dev/emulator';
import { JobClient } from '../src/client';
import { capacityConfigSchema } from '../src/capacity/config';
import { BENCH_IMAGES, ContainerDriver } from './containers';
import type { CapacityPlan } from './options';
import type { BenchTemporal } from './temporal';
import { startWorkerChild, type WorkerChild, type WorkerUsage } from './worker-child';
import { emulatorAccount } from './account-limits';

export interface CapacityStack {
  admission: boolean;
  emulator: Emulator;
  client: Client;
  jobs: JobClient;
  taskQueue: string;
  containers: ContainerDriver;
  /** stops the worker (returning its usage), the driver and the emulator */
  stop(): Promise<WorkerUsage>;
}

/** More than a side ever has in flight: the worker's slots never hold runs back. */
const MAX_CONCURRENT_ACTIVITIES = 1_000;

export async function startCapacityStack(
  plan: CapacityPlan,
  admission: boolean,
  temporal: BenchTemporal,
  bundlePath: string,
): Promise<CapacityStack> {
  const { limits, timeScale } = plan;
  const emulator = await startEmulator({
    images: BENCH_IMAGES,
    latency: LATENCY_PROFILES.instant,
    timeScale,
    ...emulatorAccount(limits),
    // ARM's read bucket stays as in Azure (250, 25/s): reads are counted among the "other" 429s
    killGraceMs: 100,
  });
  const taskQueue = `bench-capacity-${admission ? 'on' : 'off'}-${randomBytes(4).toString('hex')}`;
  let worker: WorkerChild;
  try {
    worker = await startWorkerChild({
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      bundlePath,
      emulatorEndpoint: emulator.endpoint,
      caPem: emulator.caPem,
      pollIntervalMs: plan.pollIntervalMs,
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
      // the ledger's account is the emulator's: the same limits, the same compressed windows
      capacity: capacityConfigSchema.parse({
        admission,
        ledgerRefresh: plan.ledgerRefresh,
        tenants: Object.fromEntries(plan.tenants.map((tenant) => [tenant.name, { weight: tenant.weight }])),
        defaults: { limits, windowScale: timeScale },
      }),
      retryDelayScale: timeScale,
      // ACI's refusals are what the scenario is about (with admission off, hundreds): not printed
      logLevel: 'ERROR',
    });
  } catch (error) {
    await emulator.close();
    throw error;
  }
  const containers = new ContainerDriver(emulator);
  return {
    admission,
    emulator,
    client: temporal.client,
    jobs: new JobClient(temporal.client, { taskQueue }),
    taskQueue,
    containers,
    stop: async () => {
      try {
        return await worker.stop();
      } finally {
        containers.stop();
        await emulator.close();
      }
    },
  };
}
