/**
 * The process runtime: a "container" is a local process (no shell) in its own process group, so killing
 * it takes its children along, as tearing down a container does.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { LogStream } from './container-log';

export interface ProcessSpec {
  command: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ProcessExit {
  exitCode: number;
  /** set when the command could not be started at all (e.g. executable not found) */
  startError?: string;
}

export interface ContainerProcess {
  readonly pid: number | undefined;
  /** resolves once the process is running, or with the reason it could not start */
  readonly started: Promise<{ error?: string }>;
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. */
  terminate(graceMs: number): Promise<ProcessExit>;
  /** SIGKILL to the process group now, for a forced exit that cannot wait */
  killNow(): void;
}

/** Exit code of a command that could not be found or executed, as a shell would report it. */
const START_FAILURE_EXIT_CODE = 127;

export function startProcess(
  spec: ProcessSpec,
  output: (stream: LogStream, chunk: string) => void,
): ContainerProcess {
  const [file, ...args] = spec.command;
  if (file === undefined) throw new Error('A container process needs a command');
  const child = spawn(file, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let startError: string | undefined;
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => output(stream, chunk));
  }

  const started = new Promise<{ error?: string }>((resolve) => {
    child.once('spawn', () => resolve({}));
    child.once('error', (error) => {
      startError = error.message;
      resolve({ error: error.message });
    });
  });
  // When the main process ends the container ends: leftover children go too, which also lets stdio close.
  child.once('exit', () => signalGroup(child.pid, 'SIGKILL'));
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => {
      if (startError !== undefined) resolve({ exitCode: START_FAILURE_EXIT_CODE, startError });
      else resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) });
    });
  });

  return {
    pid: child.pid,
    started,
    exited,
    async terminate(graceMs: number): Promise<ProcessExit> {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child.pid, 'SIGTERM');
        const escalation = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(escalation);
        }
      }
      return exited;
    },
    killNow: () => signalGroup(child.pid, 'SIGKILL'),
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
