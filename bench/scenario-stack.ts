/**
 * The assembly of the issue 14 and 17 scenarios (two pools, warm starts, ARM requests, CPU per run, waiting
 * runs, the big job): an emulator with the scenario's options, Azurite for the log archive when the scenario
 * keeps one (unless a storage account is configured), the worker in its own process with the scenario's
 * capacity configuration on a fresh task queue, the job client and the container driver. The processes whose
 * CPU time is measured are named: the Temporal server (when the bench started it), the worker, the bench
 * process (emulator, driver, client) and Azurite.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { startAzurite } from '../dev/azurite';
import { startEmulator, type Emulator, type EmulatorOptions } from '../dev/emulator';
import type { CapacityConfig } from '../src/capacity/config';
import { JobClient } from '../src/client';
import { loadStorageConfig } from '../src/storage/config';
import { BENCH_IMAGES, ContainerDriver } from './containers';
import { inPool } from './pool';
import type { BenchTemporal } from './temporal';
import {
  startWorkerChild,
  type WorkerChild,
  type WorkerProcessSettings,
  type WorkerUsage,
} from './worker-child';

export interface ScenarioStackOptions {
  /** in the task queue's name */
  label: string;
  /** the emulator's options (images: the bench's; killGraceMs 100 unless set) */
  emulator: Omit<EmulatorOptions, 'images'>;
  /** keep a log archive (the bench's Azurite, or the configured storage account) */
  storage: boolean;
  capacity: CapacityConfig;
  pollIntervalMs: number;
  worker?: Partial<
    Pick<
      WorkerProcessSettings,
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxCachedWorkflows'
      | 'retryDelayScale'
      | 'logLevel'
    >
  >;
}

export interface ScenarioStack {
  emulator: Emulator;
  client: Client;
  jobs: JobClient;
  taskQueue: string;
  containers: ContainerDriver;
  /** the processes whose CPU time is measured, by name */
  processes: Record<string, number | undefined>;
  workerPid: number | undefined;
  /** the worker process's process.memoryUsage() now */
  workerMemory(): Promise<NodeJS.MemoryUsage>;
  /** how the worker process ended, if it has (a crash) */
  workerExit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** stops the worker (returning its usage), the driver, Azurite and the emulator */
  stop(): Promise<WorkerUsage>;
}

/** As the other scenarios: more activity slots than runs in flight (unless a scenario sets the shipped ones). */
const MAX_CONCURRENT_ACTIVITIES = 1_000;

export async function startScenarioStack(
  options: ScenarioStackOptions,
  temporal: BenchTemporal,
  bundlePath: string,
): Promise<ScenarioStack> {
  const emulator = await startEmulator({ killGraceMs: 100, ...options.emulator, images: BENCH_IMAGES });
  const configured = options.storage ? loadStorageConfig() : undefined;
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined;
  let worker: WorkerChild;
  try {
    if (options.storage && !configured) azurite = await startAzurite();
    const taskQueue = `bench-${options.label}-${randomBytes(4).toString('hex')}`;
    worker = await startWorkerChild({
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      bundlePath,
      emulatorEndpoint: emulator.endpoint,
      caPem: emulator.caPem,
      pollIntervalMs: options.pollIntervalMs,
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
      ...options.worker,
      capacity: options.capacity,
      storage: configured ?? azurite?.storageConfig(),
    });
    const containers = new ContainerDriver(emulator);
    return {
      emulator,
      client: temporal.client,
      jobs: new JobClient(temporal.client, { taskQueue }),
      taskQueue,
      containers,
      processes: {
        'Temporal server': temporal.serverPid,
        worker: worker.pid,
        'bench + emulator': process.pid,
        ...(azurite && { Azurite: azurite.process.pid }),
      },
      workerPid: worker.pid,
      workerMemory: () => worker.memory(),
      workerExit: () => worker.exit(),
      stop: async () => {
        try {
          if (worker.exit()) return { peakRssBytes: Number.NaN, cpuSeconds: Number.NaN };
          return await worker.stop();
        } finally {
          containers.stop();
          await azurite?.stop();
          await emulator.close();
        }
      },
    };
  } catch (error) {
    await azurite?.stop();
    await emulator.close();
    throw error;
  }
}

/**
 * What a scenario leaves open on its task queue (the admission ledger, which never ends; runs a failed
 * scenario left) is terminated, so that a reused Temporal server is not left with workflows no worker serves.
 */
export async function terminateOpenWorkflows(stack: ScenarioStack, reason: string): Promise<number> {
  let terminated = 0;
  const open = stack.client.workflow.list({
    query: `TaskQueue = "${stack.taskQueue}" AND ExecutionStatus = "Running"`,
  });
  for await (const workflow of open) {
    await stack.client.workflow
      .getHandle(workflow.workflowId, workflow.runId)
      .terminate(reason)
      .then(() => terminated++)
      .catch(() => undefined);
  }
  return terminated;
}

/**
 * The runs are terminated before their jobs (a terminated job asks each run to cancel, and each would delete its
 * group: thousands of activities), then whatever is left (the jobs, the ledger).
 */
export async function terminateRunsFirst(
  stack: ScenarioStack,
  reason = 'the bench scenario is over',
): Promise<void> {
  const ids: Array<{ workflowId: string; runId: string }> = [];
  const runs = stack.client.workflow.list({
    query: `TaskQueue = "${stack.taskQueue}" AND WorkflowType = "containerRun" AND ExecutionStatus = "Running"`,
  });
  for await (const run of runs) ids.push({ workflowId: run.workflowId, runId: run.runId });
  await inPool(ids.length, 20, async (i) => {
    const { workflowId, runId } = ids[i]!;
    await stack.client.workflow
      .getHandle(workflowId, runId)
      .terminate(reason)
      .catch(() => undefined);
  });
  await terminateOpenWorkflows(stack, reason);
}
