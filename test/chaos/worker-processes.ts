/**
 * Starting and killing workers in processes of their own (test/chaos/worker-process.ts, run with tsx).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Emulator } from '../../dev/emulator';
import { WORKER_READY_LINE, WORKFLOW_BUNDLE_ENV } from './worker-process';

const REPO_ROOT = join(__dirname, '..', '..');
const WORKER_ENTRY = join(__dirname, 'worker-process.ts');
/** lines of the worker's output kept for error messages */
const OUTPUT_LINES = 40;

export interface WorkerProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  emulator: Emulator;
  resourceGroup: string;
  workflowBundlePath: string;
  pollIntervalMs: number;
  readyTimeoutMs?: number;
}

export interface WorkerProcess {
  /** kills it with SIGKILL (no shutdown, no goodbye to the server) and waits until it is gone */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL if it takes longer than `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a worker process and waits until it polls. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
    cwd: REPO_ROOT,
    env: workerEnv(options),
    // the IPC channel closes when this process dies: the worker then exits instead of polling on as an orphan
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        if (lines.length > OUTPUT_LINES) lines.shift();
        if (line.includes(WORKER_READY_LINE)) resolve();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code, signal) =>
      reject(
        new Error(`the worker process exited (${signal ?? code}) before it was ready:\n${lines.join('\n')}`),
      ),
    );
  });
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (isRunning(child)) child.kill(signal);
    await exited;
  };
  return {
    kill: () => signalAndWait('SIGKILL'),
    stop: async (graceMs = 35_000) => {
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await signalAndWait('SIGTERM');
      } finally {
        clearTimeout(force);
      }
    },
  };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function workerEnv(options: WorkerProcessOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: options.namespace,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    ACI_EMULATOR_ENDPOINT: options.emulator.endpoint,
    ACI_EMULATOR_CA_PEM: options.emulator.caPem,
    ACI_RESOURCE_GROUP: options.resourceGroup,
    ACI_POLL_INTERVAL_MS: String(options.pollIntervalMs),
    [WORKFLOW_BUNDLE_ENV]: options.workflowBundlePath,
  };
}
