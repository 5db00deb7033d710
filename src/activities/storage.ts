/**
 * The log archive and outputs activities. `archiveContainerLog` reads the container's whole log as ACI keeps
 * it (ARM `listLogs` with timestamps: it has no "since") and appends the lines the archive does not hold yet
 * (src/storage/log-lines.ts finds them, src/storage/log-archive.ts appends them exactly once); the run calls it
 * every monitor tick and once more, sealing the blob, before it restarts, stops or deletes the group.
 */
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { AciFailureType } from '../shared/failures';
import { CONTAINER_NAME } from '../shared/names';
import { attemptLogBlob, MAX_LISTED_OUTPUTS } from '../shared/storage';
import { archiveRead } from '../storage/log-archive';
import { parseLogContent, type LogLine } from '../storage/log-lines';
import type { RunStorage } from '../storage/run-storage';
import { ignoreNotFound, signal, withFailures } from './arm-calls';
import type { AciActivities, ArchiveLogInput, StorageActivities } from './types';

export interface StorageActivityDeps {
  aci: ContainerInstanceManagementClient;
  defaultResourceGroup?: string;
  /** absent: this worker keeps no archive and lists no outputs */
  storage?: RunStorage;
  /** without storage, the last read returns the log tail itself (one activity, not two, before a delete) */
  readLogTail: AciActivities['getContainerLogs'];
}

export function createStorageActivities(deps: StorageActivityDeps): StorageActivities {
  const { storage } = deps;
  /** The last read's tail when there is no archive; a failed read leaves it to the run (which logs why). */
  const tailWithoutArchive = async (input: ArchiveLogInput): Promise<{ tail?: string }> => {
    try {
      // no lines wanted: '' without an ARM call
      return { tail: await deps.readLogTail({ ...input.group, tail: input.final?.tailLines ?? 0 }) };
    } catch {
      return {};
    }
  };
  return {
    async archiveContainerLog(input) {
      if (!storage) return { configured: false, ...(input.final && (await tailWithoutArchive(input))) };
      const resourceGroup = input.group.resourceGroup || deps.defaultResourceGroup;
      if (!resourceGroup) {
        throw ApplicationFailure.nonRetryable(
          `container group ${input.group.name}: no resource group given, and ACI_RESOURCE_GROUP is not set`,
          AciFailureType.invalidSpec,
        );
      }
      const group = { resourceGroup, name: input.group.name };
      const logs = await withFailures({ operation: 'get container logs', group }, () =>
        ignoreNotFound(() =>
          deps.aci.containers.listLogs(group.resourceGroup, group.name, CONTAINER_NAME, {
            timestamps: true,
            abortSignal: signal(),
          }),
        ),
      );
      const read = parseLogContent(logs?.content ?? '');
      const blob = attemptLogBlob(input.run, input.attempt);
      const { cursor, appended } = await archiveRead(storage, blob, read, input.cursor, {
        seal: input.final !== undefined,
        metadata: {
          tenant: input.run.tenant,
          job: input.run.jobId,
          instance: String(input.run.instanceIndex),
          attempt: String(input.attempt),
          group: group.name,
        },
        abortSignal: Context.current().cancellationSignal,
      });
      return {
        configured: true,
        container: storage.logs.containerName,
        blob,
        cursor,
        appended,
        ...(logs === undefined && { groupGone: true }),
        ...(input.final && { tail: lastLines(read, input.final.tailLines) }),
      };
    },

    async listRunOutputs(run) {
      if (!storage) return null;
      const outputs = await storage.listOutputs(run, signal());
      return {
        container: storage.outputs.containerName,
        files: outputs.slice(0, MAX_LISTED_OUTPUTS),
        count: outputs.length,
        bytes: outputs.reduce((sum, output) => sum + output.size, 0),
      };
    },

    async deleteExpiredBlobs() {
      if (!storage) return { configured: false, deleted: 0 };
      const cutoff = new Date(Date.now() - storage.retentionMs);
      const deleted = await storage.deleteOlderThan(
        cutoff,
        (count) => Context.current().heartbeat({ deleted: count }),
        signal(),
      );
      return { configured: true, deleted };
    },
  };
}

/** The text of the last `count` lines, each ending with a newline. */
function lastLines(read: readonly LogLine[], count: number): string {
  if (count <= 0) return '';
  return read
    .slice(-count)
    .map((line) => `${line.text}\n`)
    .join('');
}
