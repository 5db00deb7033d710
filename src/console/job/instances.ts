/**
 * A job's instances as one byte per instance (its phase code), from its live status or its summary (its rows,
 * or a paged summary's records): compact enough for a grid of 10,000 redrawn on every update. Pure.
 *
 * The grid draws instances by position (0 to n − 1); an instance's index is usually its position, but a rerun
 * runs the original's instances under their own indexes (`instanceIndexes`: a rerun of instances 2 and 7 has
 * two positions, indexes 2 and 7), so the cells carry the index of each position where they differ.
 */
import type { JobAnswer } from '../api/types';
import { runOutlines } from '../../shared/run-records';
import { PHASE_CODE, type Phase } from '../ui/phases';

export interface InstanceCells {
  /** the phase code of each position */
  codes: Uint8Array;
  /** the instance index of each position, where not every index is its position (a rerun) */
  indexes?: Uint32Array;
  /** live percent per position, where known (running instances) */
  percents: Map<number, number>;
  /** queue place per position waiting for capacity */
  queue: Map<number, { position: number; estimatedStartAt?: string }>;
}

export function instanceCells(job: JobAnswer): InstanceCells {
  const instances = job.status?.instances ?? [];
  // a paged summary (more than 1,000 instances) has each instance's status in its records
  const runs = job.result ? runOutlines(job.result) : [];
  let total = job.status?.total ?? job.result?.total ?? 0;
  // a live status lists every position in order; a summary lists every run by index
  let known = instances.length > 0 ? instances.map((instance) => instance.index) : [];
  if (known.length === 0 && runs.some((run) => run.instanceIndex >= total)) {
    known = runs.map((run) => run.instanceIndex).sort((a, b) => a - b);
    total = known.length;
  }
  const indexes = known.some((index, position) => index !== position)
    ? Uint32Array.from(known.slice(0, total))
    : undefined;
  const cells: InstanceCells = {
    codes: new Uint8Array(total).fill(code(job.status ? 'Pending' : 'NotStarted')),
    ...(indexes && { indexes }),
    percents: new Map(),
    queue: new Map(),
  };
  const place = positionsOf(cells);
  for (const instance of instances) {
    const position = place(instance.index);
    if (position === undefined) continue;
    cells.codes[position] = code(instance.phase);
    if (instance.percent !== undefined) cells.percents.set(position, instance.percent);
    if (instance.queuePosition !== undefined) {
      cells.queue.set(position, {
        position: instance.queuePosition,
        estimatedStartAt: instance.estimatedStartAt,
      });
    }
  }
  for (const run of runs) {
    const position = place(run.instanceIndex);
    if (position !== undefined) cells.codes[position] = code(run.status);
  }
  return cells;
}

/** The instance index at a grid position. */
export function indexAt(cells: InstanceCells, position: number): number {
  return cells.indexes ? (cells.indexes[position] ?? position) : position;
}

/** The grid position of an instance index, or undefined when the job has no such instance. */
export function positionOf(cells: InstanceCells, index: number): number | undefined {
  return positionsOf(cells)(index);
}

function positionsOf(cells: InstanceCells): (index: number) => number | undefined {
  const { indexes, codes } = cells;
  if (!indexes)
    return (index) => (Number.isInteger(index) && index >= 0 && index < codes.length ? index : undefined);
  const positions = new Map<number, number>();
  indexes.forEach((index, position) => positions.set(index, position));
  return (index) => positions.get(index);
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
