/**
 * The end of a container group: archive the rest of its log (or read its log tail), then delete it, or stop it
 * when the policy keeps it for inspection. Callers run this in a non-cancellable scope, so a cancellation never leaves a group behind.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { ContainerGroupRef } from '../shared/container-groups';
import type { Admission } from './admission';
import { deleteContainerGroup, getContainerLogs, stopContainerGroup } from './activities';
import { capLogTail } from './history-limits';

export interface Removal {
  logTail: string;
  /** the group was stopped and kept, not deleted */
  kept: boolean;
}

export interface RemoveOptions {
  keep: boolean;
  logTailLines: number;
  admission?: Admission;
  /**
   * The log archive's last read and seal (bounded); it returns the log tail, or undefined when there is no
   * archive and the tail is read here as before
   */
  closeLog?: (tailLines: number) => Promise<string | undefined>;
}

export async function removeGroup(group: ContainerGroupRef, options: RemoveOptions): Promise<Removal> {
  const archivedTail = await options.closeLog?.(options.logTailLines);
  const logTail =
    archivedTail === undefined ? await readLogTail(group, options.logTailLines) : capLogTail(archivedTail);
  // a kept group keeps its lease until it is deleted (by the janitor; the ledger then takes the lease back)
  if (options.keep && (await stopGroup(group))) return { logTail, kept: true };
  await options.admission?.beforeDelete();
  await deleteContainerGroup(group);
  await options.admission?.released();
  return { logTail, kept: false };
}

async function readLogTail(group: ContainerGroupRef, lines: number): Promise<string> {
  if (lines <= 0) return '';
  try {
    return capLogTail(await getContainerLogs({ ...group, tail: lines }));
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn('Could not read the container logs', { groupName: group.name, error: String(error) });
    return '';
  }
}

/** A group that cannot be stopped is deleted instead: a group is never left running. */
async function stopGroup(group: ContainerGroupRef): Promise<boolean> {
  try {
    await stopContainerGroup(group);
    return true;
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn('Could not stop the container group; deleting it instead', {
      groupName: group.name,
      error: String(error),
    });
    return false;
  }
}
