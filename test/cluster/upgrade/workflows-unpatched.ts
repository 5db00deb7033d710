/**
 * Release 2 done wrong, for contrast: the same change without `patched()`. Replaying a run that release 1
 * started meets a command its history does not have: a non-determinism error. The upgrade test only replays
 * histories with it; no worker runs it.
 */
import { upsertMemo } from '@temporalio/workflow';
import { containerRun as containerRunRelease1 } from '../../../src/workflows/containerRun';
import { RELEASE, RELEASE_MEMO_KEY } from './release';

export { batchJob, janitor, capacityLedger } from '../../../src/workflows';

export async function containerRun(
  ...args: Parameters<typeof containerRunRelease1>
): ReturnType<typeof containerRunRelease1> {
  upsertMemo({ [RELEASE_MEMO_KEY]: RELEASE });
  return containerRunRelease1(...args);
}
