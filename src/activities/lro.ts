/**
 * Polling ARM long-running operations inside an activity: heartbeat after every poll with the poller's
 * serialised state, so that a retried attempt resumes polling the same operation (`resumeFrom`) instead of
 * sending the PUT/POST again. The state holds the absolute operation-status URL, which ARM keeps for a while.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { Context } from '@temporalio/activity';
import type { ContainerGroupRef } from '../shared/container-groups';

/** The subset of the Azure SDK's `SimplePollerLike` we use. */
export interface OperationPoller<T> {
  pollUntilDone(options?: { abortSignal?: AbortSignal }): Promise<T>;
  onProgress(callback: () => void): () => void;
  isDone(): boolean;
  toString(): string;
}

/** Options every `begin...` call of the SDK takes. */
export interface BeginOptions {
  resumeFrom?: string;
  updateIntervalInMs: number;
  abortSignal: AbortSignal;
}

export type LroName = 'create' | 'restart' | 'delete';

/** Heartbeat details while an operation is polled. `poller` is absent while no operation is in flight. */
export interface LroHeartbeat {
  operation: LroName;
  resourceGroup: string;
  group: string;
  poller?: string;
}

/** Polls until the operation ends, heartbeating the poller's state after each poll. */
export async function pollWithHeartbeats<T>(
  poller: OperationPoller<T>,
  operation: LroName,
  ref: ContainerGroupRef,
): Promise<T> {
  const context = Context.current();
  const beat = () => {
    if (!poller.isDone()) context.heartbeat(heartbeatOf(operation, ref, poller.toString()));
  };
  beat();
  const unsubscribe = poller.onProgress(beat);
  try {
    return await poller.pollUntilDone({ abortSignal: context.cancellationSignal });
  } finally {
    unsubscribe();
  }
}

/**
 * Resumes the operation the previous attempt was polling, if its last heartbeat names one for this group.
 * Returns undefined when there is none, or when polling it fails over HTTP (the operation expired: 404; its
 * URL no longer answers; 5xx): resuming saves a request, it is never required, so the caller starts over.
 * A failed operation ("The long-running operation has failed...") and cancellation still propagate.
 */
export async function resumeOperation<T>(
  operation: LroName,
  ref: ContainerGroupRef,
  begin: (options: BeginOptions) => Promise<OperationPoller<T>>,
  updateIntervalInMs: number,
): Promise<{ result: T } | undefined> {
  const resumeFrom = checkpointOf(Context.current().info.heartbeatDetails, operation, ref);
  if (resumeFrom === undefined) return undefined;
  try {
    const poller = await begin({
      resumeFrom,
      updateIntervalInMs,
      abortSignal: Context.current().cancellationSignal,
    });
    return { result: await pollWithHeartbeats(poller, operation, ref) };
  } catch (error) {
    if (isRestError(error) && !Context.current().cancellationSignal.aborted) return undefined;
    throw error;
  }
}

/** Sends the operation and polls it to the end. */
export async function runOperation<T>(
  operation: LroName,
  ref: ContainerGroupRef,
  begin: (options: BeginOptions) => Promise<OperationPoller<T>>,
  updateIntervalInMs: number,
): Promise<T> {
  const poller = await begin({ updateIntervalInMs, abortSignal: Context.current().cancellationSignal });
  return pollWithHeartbeats(poller, operation, ref);
}

/** Resumes the previous attempt's operation, or sends it anew. */
export async function resumeOrRun<T>(
  operation: LroName,
  ref: ContainerGroupRef,
  begin: (options: BeginOptions) => Promise<OperationPoller<T>>,
  updateIntervalInMs: number,
): Promise<T> {
  const resumed = await resumeOperation(operation, ref, begin, updateIntervalInMs);
  return resumed ? resumed.result : runOperation(operation, ref, begin, updateIntervalInMs);
}

export function heartbeatOf(operation: LroName, ref: ContainerGroupRef, poller?: string): LroHeartbeat {
  return { operation, resourceGroup: ref.resourceGroup, group: ref.name, ...(poller && { poller }) };
}

function checkpointOf(details: unknown, operation: LroName, ref: ContainerGroupRef): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const last = details as Partial<Record<keyof LroHeartbeat, unknown>>;
  const same =
    last.operation === operation && last.resourceGroup === ref.resourceGroup && last.group === ref.name;
  return same && typeof last.poller === 'string' ? last.poller : undefined;
}
