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
  /** the ARM error code of a failed request, e.g. ResourceRequestsThrottled, ContainerGroupQuotaReached */
  code?: string;
  /** the Retry-After (seconds) the response carried */
  retryAfter?: number;
  /** the subscription in the path */
  subscriptionId?: string;
  /** the region concerned, when known (the PUT body's location, the group's, the path's) */
  region?: string;
}

export interface RequestFilter {
  method?: string;
  operation?: HttpOperation;
  group?: string;
  status?: number;
  /** ARM error code */
  code?: string;
  region?: string;
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
          (filter.group === undefined || entry.group?.toLowerCase() === filter.group.toLowerCase()) &&
          (filter.status === undefined || entry.status === filter.status) &&
          (filter.code === undefined || entry.code === filter.code) &&
          (filter.region === undefined || entry.region === filter.region.toLowerCase()),
      )
      .sort((a, b) => a.time - b.time);
  }

  /**
   * Throttled (429) and quota-refused (ContainerGroupQuotaReached) requests, for "none in steady state"
   * assertions; optionally only from `since` (epoch ms).
   */
  limited(since = -Infinity): RequestLogEntry[] {
    return this.all().filter(
      (entry) => entry.time >= since && (entry.status === 429 || entry.code === 'ContainerGroupQuotaReached'),
    );
  }

  clear(): void {
    this.entries = [];
  }
}
