/**
 * Release 2 of the workflow code, done right: the change (containerRun records its release in its memo, a new
 * command at its first workflow task) is guarded by `patched()`. A run started by release 1 replays without the
 * change (no marker in its history: `patched` answers false), a run started by release 2 takes it.
 */
import { patched, upsertMemo } from '@temporalio/workflow';
import { containerRun as containerRunRelease1 } from '../../../src/workflows/containerRun';
import { RELEASE, RELEASE_MEMO_KEY, UPGRADE_PATCH_ID } from './release';

export { batchJob, janitor, capacityLedger } from '../../../src/workflows';

export async function containerRun(
  ...args: Parameters<typeof containerRunRelease1>
): ReturnType<typeof containerRunRelease1> {
  if (patched(UPGRADE_PATCH_ID)) upsertMemo({ [RELEASE_MEMO_KEY]: RELEASE });
  return containerRunRelease1(...args);
}
