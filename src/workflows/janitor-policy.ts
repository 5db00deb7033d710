/**
 * What the janitor does with one of the project's container groups. Pure, so the rules can be read and
 * tested apart from the sweeping:
 *
 *  - its run still runs (or is in any state but plainly closed): the run owns it; keep it;
 *  - its run is closed or unknown and a container still runs or is being provisioned: an orphan that bills;
 *    delete it;
 *  - its run is closed or unknown and the group is at rest (stopped, or its container ended): kept for
 *    inspection (a run's stop policy) until the retention has passed since it came to rest (its container's
 *    finish time, else the run's close time); a group whose rest time is unknown and whose run is gone from
 *    Temporal (its history outlived the namespace's retention) is old: delete it.
 */
import type { GroupCondition, OwnerStatus } from '../activities/types';

/** How long a group kept for inspection stays, unless the janitor is told otherwise. */
export const DEFAULT_STOPPED_RETENTION = '7 days';

export type KeepReason = 'ownerRunning' | 'retained';
export type DeleteReason = 'ownerClosed' | 'ownerMissing' | 'retentionExpired';

export type GroupVerdict =
  | { action: 'keep'; reason: KeepReason }
  | { action: 'delete'; reason: DeleteReason }
  /** the group went away since it was listed */
  | { action: 'none' };

/** `condition` is read only for groups whose owner is not running (the others need no ARM call). */
export function judgeGroup(
  owner: OwnerStatus,
  condition: GroupCondition | undefined,
  nowMs: number,
  retentionMs: number,
): GroupVerdict {
  if (owner.state === 'running') return { action: 'keep', reason: 'ownerRunning' };
  if (!condition?.exists) return { action: 'none' };
  if (!condition.atRest) {
    return { action: 'delete', reason: owner.state === 'closed' ? 'ownerClosed' : 'ownerMissing' };
  }
  const restingSince = condition.restingSince ?? (owner.state === 'closed' ? owner.closedAt : undefined);
  if (restingSince === undefined) return { action: 'delete', reason: 'retentionExpired' };
  return nowMs - Date.parse(restingSince) >= retentionMs
    ? { action: 'delete', reason: 'retentionExpired' }
    : { action: 'keep', reason: 'retained' };
}
