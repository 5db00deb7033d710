import { performance } from 'node:perf_hooks';

/** Wall-clock epoch milliseconds with sub-millisecond precision (request log, log line timestamps). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** RFC 3339 with 7 fractional digits (100 ns ticks), as ARM writes operation start times and log timestamps. */
export function formatTicks(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  // doubles near 1.7e12 resolve ~0.25 µs: round, and never carry into the next millisecond
  const ticks = Math.min(9_999, Math.round((epochMs - wholeMs) * 10_000));
  return `${new Date(wholeMs).toISOString().slice(0, 23)}${String(ticks).padStart(4, '0')}Z`;
}

/** Second precision, as ACI writes event timestamps. */
export function formatSeconds(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

/** Millisecond precision, as ACI writes container state times. */
export function formatMillis(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
