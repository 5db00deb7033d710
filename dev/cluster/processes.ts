/**
 * The cluster's long-running processes: each started detached (a session and process group of its own, so it
 * outlives `npm run cluster start` and a terminal's Ctrl-C), its output appended to a log file in the data
 * folder, and known afterwards by its pid AND its start time (from /proc), so that a stop never signals an
 * unrelated process that happens to reuse the pid.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessRecord {
  pid: number;
  /** the process's start time in clock ticks since boot (/proc/<pid>/stat, field 22) */
  startTime: number;
  command: string;
  logFile: string;
  /** the log file's size when the process started: its own lines come after */
  logOffset?: number;
}

export interface SpawnOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
}

export function spawnDetached(options: SpawnOptions): ProcessRecord {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const out = openSync(options.logFile, 'a');
  const logOffset = fstatSync(out).size;
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
    child.unref();
    return {
      pid: child.pid,
      startTime: startTimeOf(child.pid) ?? 0,
      command: [options.command, ...options.args].join(' '),
      logFile: options.logFile,
      logOffset,
    };
  } finally {
    closeSync(out);
  }
}

/** Start time of a live process (clock ticks since boot), or undefined when there is none with that pid. */
export function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: count fields after its closing paren
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); field 22 is starttime; a zombie has exited already
    if (fields[0] === 'Z') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** True when the recorded process is still the one that runs under its pid. */
export function isRunning(record: ProcessRecord | undefined): record is ProcessRecord {
  if (!record) return false;
  const startTime = startTimeOf(record.pid);
  return startTime !== undefined && (record.startTime === 0 || startTime === record.startTime);
}

/** Signals the recorded process's whole group (its children too: a worker's, the emulator's containers). */
export function signal(record: ProcessRecord, name: NodeJS.Signals): void {
  if (!isRunning(record)) return;
  try {
    process.kill(-record.pid, name);
  } catch {
    try {
      process.kill(record.pid, name);
    } catch {
      // gone meanwhile
    }
  }
}

/** SIGKILL to the process group, at once; waits until the process is gone. */
export async function kill(record: ProcessRecord): Promise<void> {
  signal(record, 'SIGKILL');
  await waitGone(record, 10_000);
}

/**
 * SIGTERM (a graceful shutdown: a worker finishes its tasks, the emulator removes its containers), then
 * SIGKILL to the group when it takes longer than `graceMs`, and SIGKILL to whatever of the group is left.
 */
export async function stop(record: ProcessRecord | undefined, graceMs: number): Promise<void> {
  if (!isRunning(record)) return;
  signal(record, 'SIGTERM');
  if (!(await waitGone(record, graceMs))) signal(record, 'SIGKILL');
  await waitGone(record, 10_000);
  // children that outlived their parent (same process group)
  try {
    process.kill(-record.pid, 'SIGKILL');
  } catch {
    // no group left
  }
}

export async function waitGone(record: ProcessRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(record)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** What the process has written to its log since it started. */
export function ownLog(record: ProcessRecord): string {
  try {
    return readFileSync(record.logFile)
      .subarray(record.logOffset ?? 0)
      .toString('utf8');
  } catch {
    return '';
  }
}

/** The last lines of a log file, for error messages. */
export function tail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
