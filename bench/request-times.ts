/** The emulator's request log, indexed by container group: when the first (or last) request of a kind arrived. */
import type { Emulator, RequestLogEntry } from '../dev/emulator';

/** The first request with this method per group (names lower-cased, as the emulator compares them). */
export function firstRequests(emulator: Emulator, method: 'PUT' | 'DELETE'): Map<string, RequestLogEntry> {
  const first = new Map<string, RequestLogEntry>();
  for (const entry of emulator.requests.all({ method })) {
    const group = entry.group?.toLowerCase();
    if (group && !first.has(group)) first.set(group, entry);
  }
  return first;
}

/** Polls until every group has a request with this method; returns them by group. */
export async function waitForRequests(
  emulator: Emulator,
  method: 'PUT' | 'DELETE',
  groups: string[],
  timeoutMs = 120_000,
): Promise<Map<string, RequestLogEntry>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = firstRequests(emulator, method);
    if (groups.every((group) => found.has(group))) return found;
    if (Date.now() > deadline)
      throw new Error(`no ${method} request for some of ${groups.length} groups in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Time each group spent in ARM calls: from its create request's arrival to the end of its last delete. */
export function armSpansMs(emulator: Emulator, groups: string[]): number[] {
  const puts = firstRequests(emulator, 'PUT');
  const lastDeleteEnd = new Map<string, number>();
  for (const entry of emulator.requests.all({ method: 'DELETE' })) {
    const group = entry.group?.toLowerCase();
    if (group) lastDeleteEnd.set(group, entry.time + entry.durationMs);
  }
  return groups.map(
    (group) => (lastDeleteEnd.get(group) ?? Number.NaN) - (puts.get(group)?.time ?? Number.NaN),
  );
}
