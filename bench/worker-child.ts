/**
 * The benchmark's worker runs in a process of its own (worker-process.ts), so that its peak memory and CPU time
 * are its own and not the emulator's or the load generator's. This is the parent's handle on it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { CapacityConfig } from '../src/capacity/config';
import type { StorageConfig } from '../src/storage/config';
import { join } from 'node:path';

export const BENCH_RESOURCE_GROUP = 'aci-batch-bench';

export interface WorkerProcessSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  bundlePath: string;
  emulatorEndpoint: string;
  caPem: string;
  pollIntervalMs: number;
  maxConcurrentActivityTaskExecutions: number;
  /** the worker's other limits (absent: the SDK's defaults, as in the other scenarios) */
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  /** capacity pools and tenant policies; default: admission on, ACI's documented limits */
  capacity?: CapacityConfig;
  /** the log archive and outputs (the bench's Azurite, or the configured account) */
  storage?: StorageConfig;
  /**
   * The capacity scenario's time scale: the waits the activities ask for after a quota error or a 429 without
   * Retry-After (5 minutes, 10 s: set for ACI's real windows) are compressed like the emulator's windows
   * (retry-delays.ts). Absent: as they are.
   */
  retryDelayScale?: number;
  /** the worker's log level (default WARN); ERROR leaves out the activity failures a scenario expects */
  logLevel?: 'WARN' | 'ERROR';
}

export interface WorkerUsage {
  peakRssBytes: number;
  cpuSeconds: number;
}

export type WorkerMessage =
  { kind: 'ready' } | ({ kind: 'stopped' } & WorkerUsage) | ({ kind: 'memory' } & NodeJS.MemoryUsage);

export interface WorkerChild {
  pid: number | undefined;
  /** how the process ended, once it has (a crash shows here before anyone asks it to stop) */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** the worker process's process.memoryUsage() now (rss, heap, external, array buffers) */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** shuts the worker down gracefully and waits for its process to exit; its peak RSS and CPU time */
  stop(): Promise<WorkerUsage>;
}

/** `cpuProfileDir`: V8 CPU profiles of the worker's threads are written there when it exits. */
export async function startWorkerChild(
  settings: WorkerProcessSettings,
  cpuProfileDir?: string,
): Promise<WorkerChild> {
  const profiling = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  const child = fork(join(__dirname, 'worker-process.ts'), [], {
    execArgv: ['--import', 'tsx', ...profiling],
    env: { ...process.env, BENCH_WORKER: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = { code, signal };
      resolve();
    }),
  );
  await nextMessage(child, 'ready');
  return {
    pid: child.pid,
    exit: () => ended,
    memory: async () => {
      const answer = nextMessage(child, 'memory');
      child.send('memory');
      const { kind: _kind, ...usage } = await answer;
      return usage;
    },
    stop: async () => {
      if (ended) throw new Error(`the bench worker had exited (code ${ended.code}, signal ${ended.signal})`);
      const stopped = nextMessage(child, 'stopped');
      child.send('stop');
      const { peakRssBytes, cpuSeconds } = await stopped;
      // the main thread's CPU profile is written as the process exits
      await exited;
      return { peakRssBytes, cpuSeconds };
    },
  };
}

function nextMessage<K extends WorkerMessage['kind']>(
  child: ChildProcess,
  kind: K,
): Promise<Extract<WorkerMessage, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`the bench worker exited (code ${code}) before "${kind}"`));
    child.once('exit', onExit);
    child.on('message', function onMessage(message: WorkerMessage) {
      if (message.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<WorkerMessage, { kind: K }>);
    });
  });
}
