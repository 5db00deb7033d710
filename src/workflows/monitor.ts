/**
 * Watches a container group by polling ARM every monitor interval, so that a container that exited without
 * reporting, a group whose provisioning failed, or a group that vanished is noticed (the Durable Functions
 * sample this project replaces waited forever for an event such a container never sends). Optionally reads the container's progress endpoint on the way. Returns only when there is
 * something to act on; the caller cancels it when the container reports first.
 */
import { CancellationScope, isCancellation, log, sleep } from '@temporalio/workflow';
import type { ContainerGroupRef, ContainerGroupState } from '../shared/container-groups';
import { getContainerGroupState, getContainerProgress } from './activities';
import type { ProgressNote } from './run-state';

export type Observation =
  | { kind: 'exited'; exitCode?: number; detail?: string }
  /** `evicted`: the platform took the group away (it vanished, or someone else stopped it) */
  | { kind: 'lost'; reason: string; evicted?: boolean }
  /**
   * ACI took the Spot group's capacity back (`evictions`: how many the group has had); its container waits for
   * the platform to restart it, or (`waiting: false`) the platform already did, between two looks
   */
  | { kind: 'evicted'; evictions: number; waiting: boolean };

export interface WatchOptions {
  group: ContainerGroupRef;
  intervalMs: number;
  /** the container's progress URL for its current IP address; absent when it has no progress endpoint */
  progressUrl?: (ip: string) => string;
  onProgress: (progress: ProgressNote) => void;
  /** evictions the run already handled */
  evictionsSeen: number;
  /**
   * Called each tick the container still works (the log archive's read). Not cancelled when the watch is: it
   * finishes first, so its result is never lost and it never overlaps the attempt's last read.
   */
  onWorking?: () => Promise<void>;
}

export async function watchGroup(options: WatchOptions): Promise<Observation> {
  for (;;) {
    await sleep(options.intervalMs);
    const state = await readState(options.group);
    if (!state) continue;
    const observation = observe(state, options.evictionsSeen);
    if (observation) return observation;
    if (options.progressUrl && state.ip)
      await readProgress(options.progressUrl(state.ip), options.onProgress);
    const onWorking = options.onWorking;
    if (onWorking) await CancellationScope.nonCancellable(() => onWorking());
  }
}

/** What a group's state means for the run; undefined while the container is still working. */
export function observe(state: ContainerGroupState, evictionsSeen = 0): Observation | undefined {
  if (!state.exists) return { kind: 'lost', reason: 'the container group disappeared', evicted: true };
  if (state.provisioningState?.toLowerCase() === 'failed') {
    const lastEvent = state.events.at(-1);
    return { kind: 'lost', reason: `provisioning failed${lastEvent ? `: ${lastEvent.message}` : ''}` };
  }
  const container = state.container;
  const waiting = isEvicted(state);
  const evictions = evictionsOf(state);
  if (waiting || evictions > evictionsSeen) {
    return { kind: 'evicted', evictions: Math.max(evictions, evictionsSeen + 1), waiting };
  }
  if (container?.state === 'Terminated') {
    return { kind: 'exited', exitCode: container.exitCode, detail: container.detailStatus };
  }
  // With restartPolicy Never the group ends with its container; trust the group if the container says nothing.
  if (state.groupState === 'Succeeded') return { kind: 'exited', exitCode: 0 };
  if (state.groupState === 'Failed') return { kind: 'exited', detail: 'the container group failed' };
  if (state.groupState === 'Stopped')
    return { kind: 'lost', reason: 'the container group was stopped', evicted: true };
  return undefined;
}

/**
 * Evicted: the container waits (not running, not terminated) and says it was evicted, or the group's latest
 * event does. ACI documents no eviction shape (UNCONFIRMED): the container's state and events are what it has.
 */
export function isEvicted(state: ContainerGroupState): boolean {
  const container = state.container;
  if (container?.state === 'Running' || container?.state === 'Terminated') return false;
  const evicted = (text: string | undefined) => /evict/i.test(text ?? '');
  return evicted(container?.detailStatus) || evicted(state.events.at(-1)?.name);
}

/**
 * How many evictions the group's events record (an eviction event stays after the platform restarts the group,
 * so one missed between two looks still counts).
 */
function evictionsOf(state: ContainerGroupState): number {
  return Math.max(
    0,
    ...state.events.filter((event) => /evict/i.test(event.name)).map((event) => event.count),
  );
}

/**
 * After an eviction: polls until the platform has the container running again (true) or `maxWaitMs` passes, or
 * the group is gone or failed (false).
 */
export async function awaitRecovery(
  group: ContainerGroupRef,
  intervalMs: number,
  maxWaitMs: number,
): Promise<boolean> {
  const giveUpAt = Date.now() + maxWaitMs;
  while (Date.now() < giveUpAt) {
    await sleep(Math.min(intervalMs, Math.max(giveUpAt - Date.now(), 1)));
    const state = await readState(group);
    if (!state) continue;
    if (state.container?.state === 'Running') return true;
    if (!state.exists || state.provisioningState?.toLowerCase() === 'failed') return false;
    // it came back and already finished: the normal watch reads its exit
    if (state.container?.state === 'Terminated') return true;
  }
  return false;
}

async function readState(group: ContainerGroupRef): Promise<ContainerGroupState | undefined> {
  try {
    return await getContainerGroupState(group);
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn('Could not read the container group state; trying again next tick', {
      groupName: group.name,
      error: String(error),
    });
    return undefined;
  }
}

async function readProgress(url: string, onProgress: (progress: ProgressNote) => void): Promise<void> {
  try {
    onProgress(await getContainerProgress({ url }));
  } catch (error) {
    if (isCancellation(error)) throw error;
    // a busy container may not answer; its next report or the next tick will
  }
}
