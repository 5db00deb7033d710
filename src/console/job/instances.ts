/**
 * A job's instances as one byte per instance (its phase code), from its live status or its summary (its rows,
 * or a paged summary's records): compact enough for a grid of 10,000 redrawn on every update. Pure.
 */
import type { JobAnswer } from '../api/types';
import { runOutlines } from '../../shared/run-records';
import { PHASE_CODE, type Phase } from '../ui/phases';

export interface InstanceCells {
  codes: Uint8Array;
  /** live percent per instance, where known (running instances) */
  percents: Map<number, number>;
  /** queue position per instance waiting for capacity */
  queue: Map<number, { position: number; estimatedStartAt?: string }>;
}

export function instanceCells(job: JobAnswer): InstanceCells {
  const total = job.status?.total ?? job.result?.total ?? 0;
  const codes = new Uint8Array(total).fill(code(job.status ? 'Pending' : 'NotStarted'));
  const percents = new Map<number, number>();
  const queue = new Map<number, { position: number; estimatedStartAt?: string }>();
  for (const instance of job.status?.instances ?? []) {
    if (instance.index >= total) continue;
    codes[instance.index] = code(instance.phase);
    if (instance.percent !== undefined) percents.set(instance.index, instance.percent);
    if (instance.queuePosition !== undefined) {
      queue.set(instance.index, {
        position: instance.queuePosition,
        estimatedStartAt: instance.estimatedStartAt,
      });
    }
  }
  // a paged summary (more than 1,000 instances) has each instance's status in its records
  for (const run of job.result ? runOutlines(job.result) : []) {
    if (run.instanceIndex < total) codes[run.instanceIndex] = code(run.status);
  }
  return { codes, percents, queue };
}

function code(phase: Phase): number {
  return PHASE_CODE.get(phase) ?? 0;
}

/** The earliest expected start among the queued instances, and how many wait. */
export function queueSummary(cells: InstanceCells): {
  waiting: number;
  next?: { position: number; estimatedStartAt?: string };
} {
  let next: { position: number; estimatedStartAt?: string } | undefined;
  for (const entry of cells.queue.values()) if (!next || entry.position < next.position) next = entry;
  return { waiting: cells.queue.size, next };
}
