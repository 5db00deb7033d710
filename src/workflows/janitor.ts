/**
 * janitor: one sweep over the container groups this project tagged, started by a Temporal Schedule (see
 * src/janitor-schedule.ts). Page by page: list the managed groups, ask Temporal which owning runs still run,
 * read the state of the other groups, and delete what janitor-policy.ts says to (orphans, and groups kept for
 * inspection past their retention). A group without the project's tag is never listed, so never touched.
 * A long sweep continues as new between pages; a failed delete is counted and left to the next sweep. Last, the
 * runs' logs and outputs past their retention (ACI_BATCH_STORAGE_RETENTION) are deleted, where the worker has a
 * storage account (in Azure a lifecycle management rule does it too; see the README).
 */
import type { Duration } from '@temporalio/common';
import { durationMs } from '../shared/duration';
import { continueAsNew, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { JanitorActivities, ManagedGroup, OwnerStatus, StorageActivities } from '../activities/types';
import { AciFailureType, RETRYABLE_FAILURE_TYPES } from '../shared/failures';
import { runWindow } from './fan-out';
import { DEFAULT_STOPPED_RETENTION, judgeGroup, type DeleteReason } from './janitor-policy';

export interface JanitorInput {
  /** how long a group kept for inspection stays after it came to rest; default 7 days */
  stoppedRetention?: Duration;
  /** sweep one resource group; default the whole subscription */
  resourceGroup?: string;
  /** set by continue-as-new: where the sweep goes on, and what it did so far */
  resume?: { pageToken: string; summary: JanitorSummary };
}

export interface JanitorSummary {
  /** managed groups looked at */
  examined: number;
  deleted: number;
  kept: number;
  /** deletes that failed; the next sweep tries again */
  failed: number;
  /** the deleted groups (the first MAX_LISTED_DELETIONS), with why */
  deletions: Array<{ resourceGroup: string; name: string; reason: DeleteReason }>;
  /** logs and outputs deleted past their retention (absent: no storage account, or the sweep failed) */
  expiredBlobs?: number;
}

const MAX_LISTED_DELETIONS = 100;
/** deletes in flight at once: ACI's delete budget is per subscription and shared with the runs */
const DELETE_PARALLELISM = 5;
const MISSING: OwnerStatus = { state: 'missing' };

const nonRetryableErrorTypes = Object.values(AciFailureType).filter(
  (type) => !RETRYABLE_FAILURE_TYPES.includes(type),
);

/** Reads: a sweep that cannot read ARM or Temporal fails, and the next one starts over. */
const { listManagedContainerGroups, describeGroupOwners, inspectContainerGroups } =
  proxyActivities<JanitorActivities>({
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: '5 seconds',
      maximumInterval: '1 minute',
      maximumAttempts: 5,
      nonRetryableErrorTypes,
    },
  });

/** Deletes are ARM long-running operations, heartbeated while polled. */
const { deleteManagedContainerGroup } = proxyActivities<JanitorActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
});

/** Blob retention: listing and deleting, heartbeated page by page. */
const { deleteExpiredBlobs } = proxyActivities<StorageActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
});

/** Sweeps that also delete expired logs and outputs (issue 15): a new activity, which sweeps started before would not replay. */
export const STORAGE_RETENTION_PATCH = 'storage-retention';

export async function janitor(input: JanitorInput = {}): Promise<JanitorSummary> {
  const retentionMs = durationMs(input.stoppedRetention ?? DEFAULT_STOPPED_RETENTION);
  const summary = input.resume?.summary ?? { examined: 0, deleted: 0, kept: 0, failed: 0, deletions: [] };
  let pageToken = input.resume?.pageToken;
  do {
    const page = await listManagedContainerGroups({ resourceGroup: input.resourceGroup, pageToken });
    await sweepPage(page.groups, retentionMs, summary);
    pageToken = page.nextPageToken;
    if (pageToken && workflowInfo().continueAsNewSuggested) {
      return await continueAsNew<typeof janitor>({ ...input, resume: { pageToken, summary } });
    }
  } while (pageToken);
  if (patched(STORAGE_RETENTION_PATCH)) {
    try {
      const swept = await deleteExpiredBlobs();
      if (swept.configured) summary.expiredBlobs = swept.deleted;
    } catch (error) {
      log.warn('Could not delete the expired logs and outputs; the next sweep tries again', {
        error: String(error),
      });
    }
  }
  const { examined, deleted, kept, failed } = summary;
  log.info('Janitor sweep done', { examined, deleted, kept, failed });
  return summary;
}

async function sweepPage(
  groups: ManagedGroup[],
  retentionMs: number,
  summary: JanitorSummary,
): Promise<void> {
  summary.examined += groups.length;
  const ownerIds = [...new Set(groups.flatMap((group) => group.ownerWorkflowId ?? []))];
  const owners = ownerIds.length > 0 ? await describeGroupOwners(ownerIds) : {};
  const ownerOf = (group: ManagedGroup) =>
    (group.ownerWorkflowId && owners[group.ownerWorkflowId]) || MISSING;

  // only groups whose run is over need an ARM read (list items carry no state)
  const suspects = groups.filter((group) => ownerOf(group).state !== 'running');
  const conditions = suspects.length > 0 ? await inspectContainerGroups(suspects) : [];
  const conditionOf = new Map(suspects.map((group, index) => [group, conditions[index]]));

  const now = Date.now();
  const doomed: Array<{ group: ManagedGroup; reason: DeleteReason }> = [];
  for (const group of groups) {
    const verdict = judgeGroup(ownerOf(group), conditionOf.get(group), now, retentionMs);
    if (verdict.action === 'keep') summary.kept++;
    if (verdict.action === 'delete') doomed.push({ group, reason: verdict.reason });
  }

  await runWindow(
    { from: 0, to: doomed.length, maxParallel: DELETE_PARALLELISM, stopLaunching: () => false },
    async (index) => {
      const { group, reason } = doomed[index]!;
      try {
        if ((await deleteManagedContainerGroup(group)) !== 'deleted') return;
        summary.deleted++;
        if (summary.deletions.length < MAX_LISTED_DELETIONS) {
          summary.deletions.push({ resourceGroup: group.resourceGroup, name: group.name, reason });
        }
      } catch (error) {
        summary.failed++;
        log.warn('Could not delete a container group', { groupName: group.name, error: String(error) });
      }
    },
  );
}
