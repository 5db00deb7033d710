/**
 * Every request the emulator answered, for assertions and benchmarks (e.g. "completion signal → delete
 * request"): `time` is the arrival time in epoch ms with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), comparable with the same clock in the test process.
 */
import type { FaultKind, HttpOperation } from './faults';

export interface RequestLogEntry {
  method: string;
  /** path and query as received */
  path: string;
  status: number;
  /** arrival, epoch ms (high resolution) */
  time: number;
  durationMs: number;
  /** the ARM operation the route serves (absent for unknown routes) */
  operation?: HttpOperation;
  /** the container group concerned, when the route names one */
  group?: string;
  /** the injected fault that answered this request */
  fault?: FaultKind;
}

export interface RequestFilter {
  method?: string;
  operation?: HttpOperation;
  group?: string;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  /** keeps at most `limit` entries, dropping the oldest */
  constructor(private readonly limit = 100_000) {}

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  /** Entries in arrival order, optionally filtered. */
  all(filter: RequestFilter = {}): RequestLogEntry[] {
    return this.entries
      .filter(
        (entry) =>
          (filter.method === undefined || entry.method === filter.method.toUpperCase()) &&
          (filter.operation === undefined || entry.operation === filter.operation) &&
          (filter.group === undefined || entry.group?.toLowerCase() === filter.group.toLowerCase()),
      )
      .sort((a, b) => a.time - b.time);
  }

  clear(): void {
    this.entries = [];
  }
}
