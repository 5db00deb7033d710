/**
 * CPU time by process over a stretch of the benchmark (Linux: /proc/<pid>/stat), to say which process the
 * time of a scenario went to: the Temporal server, the worker, or the bench itself (emulator, container
 * driver, client, baseline). Elsewhere the readings are absent.
 */
import { readFileSync } from 'node:fs';

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common architecture. */
const TICKS_PER_SECOND = 100;

/** CPU time by process name (seconds from withCpu, ms per run from perRunMs) */
export type CpuByProcess = Record<string, number>;

function cpuSecondsOf(pid: number): number | undefined {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "pid (comm) ": state is the first, utime and stime the 12th and 13th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** A process's resident set now, bytes (Linux: /proc/<pid>/status VmRSS); undefined elsewhere or when gone. */
export function rssBytesOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds by process name now (for stretches that do not fit withCpu). */
export function cpuNow(processes: Record<string, number | undefined>): CpuByProcess {
  const now: CpuByProcess = {};
  for (const [name, pid] of Object.entries(processes)) {
    const seconds = pid === undefined ? undefined : cpuSecondsOf(pid);
    if (seconds !== undefined) now[name] = seconds;
  }
  return now;
}

/** CPU seconds by process between two cpuNow readings. */
export function cpuBetween(before: CpuByProcess, after: CpuByProcess): CpuByProcess {
  const spent: CpuByProcess = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (start !== undefined) spent[name] = end - start;
  }
  return spent;
}

/** Measures the CPU seconds each named process spends while `task` runs. */
export async function withCpu<T>(
  processes: Record<string, number | undefined>,
  task: () => Promise<T>,
): Promise<{ result: T; cpu: CpuByProcess }> {
  const read = () =>
    Object.fromEntries(
      Object.entries(processes).map(([name, pid]) => [
        name,
        pid === undefined ? undefined : cpuSecondsOf(pid),
      ]),
    );
  const before = read();
  const result = await task();
  const after = read();
  const cpu: CpuByProcess = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (end !== undefined && start !== undefined) cpu[name] = end - start;
  }
  return { result, cpu };
}

/** CPU milliseconds per run, by process. */
export function perRunMs(cpu: CpuByProcess, runs: number): CpuByProcess {
  return Object.fromEntries(Object.entries(cpu).map(([name, seconds]) => [name, (seconds * 1000) / runs]));
}
