/**
 * ARM requests by kind, from the emulator's request log: what each run costs against ACI's budgets (creates,
 * deletes, reads). A kind is the request's method and the ARM operation its route serves; a read of a group
 * that does not exist (404) is counted apart, since it is the create's check that no earlier attempt made the
 * group.
 */
import type { RequestLogEntry } from '../dev/emulator';

export type ArmRequestKind =
  | 'create (PUT)'
  | 'operation status (create polls)'
  | 'group read (GET)'
  | 'group read, absent (GET 404)'
  | 'container log (GET logs)'
  | 'delete (DELETE)'
  | 'usages (GET)'
  | 'profile read (GET)'
  | 'other';

/** The kinds in the order reports list them. */
export const ARM_REQUEST_KINDS: readonly ArmRequestKind[] = [
  'create (PUT)',
  'operation status (create polls)',
  'group read, absent (GET 404)',
  'group read (GET)',
  'container log (GET logs)',
  'delete (DELETE)',
  'usages (GET)',
  'profile read (GET)',
  'other',
];

export function kindOf(entry: RequestLogEntry): ArmRequestKind {
  switch (entry.operation) {
    case 'create':
      return 'create (PUT)';
    case 'operationStatus':
      return 'operation status (create polls)';
    case 'get':
      return entry.status === 404 ? 'group read, absent (GET 404)' : 'group read (GET)';
    case 'logs':
      return 'container log (GET logs)';
    case 'delete':
      return 'delete (DELETE)';
    case 'usages':
      return 'usages (GET)';
    case 'getProfile':
      return 'profile read (GET)';
    default:
      return 'other';
  }
}

/** Counts by kind (every kind present, 0 when none), and the total. */
export function countByKind(entries: readonly RequestLogEntry[]): Record<ArmRequestKind | 'all', number> {
  const counts = Object.fromEntries([...ARM_REQUEST_KINDS, 'all'].map((kind) => [kind, 0])) as Record<
    ArmRequestKind | 'all',
    number
  >;
  for (const entry of entries) {
    counts[kindOf(entry)]++;
    counts.all++;
  }
  return counts;
}

/** Counts by kind divided by `runs`. */
export function perRun(
  counts: Record<ArmRequestKind | 'all', number>,
  runs: number,
): Record<ArmRequestKind | 'all', number> {
  return Object.fromEntries(Object.entries(counts).map(([kind, n]) => [kind, n / runs])) as Record<
    ArmRequestKind | 'all',
    number
  >;
}

/** When each group's first successful request of `method` (e.g. its create's PUT) reached ARM, by group name. */
export function firstSuccessByGroup(requests: RequestLogEntry[], method: string): Map<string, number> {
  const first = new Map<string, number>();
  for (const entry of requests) {
    const group = entry.group?.toLowerCase();
    if (entry.method !== method || !group || entry.status >= 300 || first.has(group)) continue;
    first.set(group, entry.time);
  }
  return first;
}
