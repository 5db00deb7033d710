/**
 * `aci-batch logs <job>`: one instance's container log. With the deployment's storage account configured, the
 * whole log of every attempt is in the archive: the latest attempt (or `--attempt n`) from it once the group is
 * gone, and while the instance runs the archive so far plus the lines ACI has that the archive does not have
 * yet; `--follow` prints the archive as it grows until the instance ends. Without a storage account: live from
 * ACI while the instance runs, or the tail the run kept when it ended.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { Command, Option } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobNotFoundError, RunNotFoundError, type JobClient, type RunView } from '../../client';
import { containerGroupName } from '../../shared/names';
import { EMPTY_CURSOR, type RunStorageRef } from '../../shared/storage';
import { advance, archiveText, newLines, parseLogContent, stripTimestamps } from '../../storage/log-lines';
import type { RunStorage } from '../../storage/run-storage';
import { readLiveLog } from '../container-logs';
import { CliError, EXIT, notFoundError } from '../errors';
import { formatJobRef, JOB_REF_HELP, parseJobRef, type JobRef } from '../job-ref';
import { action, integerFrom, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson } from '../output';
import { openStorage, readText } from '../storage';
import { withTemporal } from '../temporal';

interface LogsOptions {
  instance: number;
  attempt?: number;
  tail?: number;
  follow?: boolean;
  timestamps?: boolean;
  resourceGroup?: string;
  json?: boolean;
}

interface InstanceLog {
  instance: number;
  /**
   * archive: the whole log of an attempt from the log archive (plus, while it runs, what ACI has that the
   * archive does not yet); live: read from the running container; kept: the tail the run kept when it ended
   */
  source: 'archive' | 'live' | 'kept';
  groupName: string;
  /** with the archive: the attempt shown, the attempts archived, and whether the attempt's log is complete */
  attempt?: number;
  attempts?: number[];
  complete?: boolean;
  log: string;
}

const EXAMPLES = `
Examples:
  $ aci-batch logs acme/nightly-2026-11-24                # instance 0, its latest attempt
  $ aci-batch logs acme/nightly-2026-11-24 --instance 7 --attempt 1
  $ aci-batch logs acme/nightly-2026-11-24 --instance 7 --tail 20
  $ aci-batch logs acme/nightly-2026-11-24 --follow
  $ aci-batch logs acme/nightly-2026-11-24 --json | jq -r .log

The whole log of every attempt is in the deployment's log archive: set ACI_BATCH_STORAGE_ACCOUNT_URL (or
ACI_BATCH_STORAGE_CONNECTION_STRING) as the worker has it. While the instance runs, the lines not archived
yet come from ACI, which needs ARM access: AZURE_SUBSCRIPTION_ID (or ACI_EMULATOR_ENDPOINT +
ACI_EMULATOR_CA_FILE for the local emulator), and the resource group (the job's own, else --resource-group or
ACI_RESOURCE_GROUP). Without a storage account: live from ACI while it runs, else the log tail kept in its
result (the spec's logTailLines, default 50).`;

/** How often --follow looks for more. */
const FOLLOW_INTERVAL_MS = 1000;
/** After the instance ended, how long --follow waits for its last lines to be archived. */
const FOLLOW_SETTLE_MS = 15_000;

export function logsCommand(): Command {
  return new Command('logs')
    .description(
      "show an instance's container log: the whole log from the archive, live while it runs, --follow as it grows",
    )
    .argument('<job>', JOB_REF_HELP)
    .addOption(tenantOption())
    .addOption(
      new Option('--instance <index>', 'which instance (0-based)').default(0).argParser(integerFrom(0)),
    )
    .addOption(new Option('--attempt <n>', 'which attempt (default: the latest)').argParser(integerFrom(1)))
    .addOption(new Option('--tail <lines>', 'only the last lines').argParser(integerFrom(1)))
    .option('-f, --follow', 'keep printing the log as it is archived, until the instance ends')
    .option('--timestamps', 'each line with its timestamp, as ACI wrote it')
    .option('--resource-group <name>', "the container groups' resource group (live logs)")
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (job: string, options: LogsOptions, command: Command) => {
        const ref = parseJobRef(job, tenantOf(command));
        const storage = openStorage(false);
        await withTemporal(async ({ jobs }) => {
          if (options.follow) {
            if (!storage) {
              throw new CliError(
                '--follow reads the log archive, and no storage account is configured here.',
                EXIT.usage,
                'Set ACI_BATCH_STORAGE_ACCOUNT_URL or ACI_BATCH_STORAGE_CONNECTION_STRING, as the worker has it.',
              );
            }
            return follow(jobs, storage, ref, options);
          }
          const result = await readInstanceLog(jobs, storage, ref, options);
          if (options.json) return printJson({ ...ref, ...result });
          note(heading(result));
          process.stdout.write(result.log);
        });
      }),
    );
}

function heading(result: InstanceLog): string {
  switch (result.source) {
    case 'archive':
      return `Log of instance ${result.instance}, attempt ${result.attempt} of ${result.attempts?.join(', ')} (archive${result.complete ? '' : ', not complete'}; container group ${result.groupName}):`;
    case 'live':
      return `Live log of instance ${result.instance} (container group ${result.groupName}):`;
    case 'kept':
      return `Log tail kept when instance ${result.instance} ended (container group ${result.groupName}):`;
  }
}

async function readInstanceLog(
  jobs: JobClient,
  storage: RunStorage | undefined,
  ref: JobRef,
  options: LogsOptions,
): Promise<InstanceLog> {
  const index = options.instance;
  const memo = await jobMemo(jobs, ref);
  let run = await jobs.getRun(ref, index).catch((error: unknown) => {
    throw error instanceof RunNotFoundError ? instanceNotFound(ref, index, memo.instances) : error;
  });
  const groupName = containerGroupName(ref.tenant, ref.jobId, index);
  const resourceGroup = options.resourceGroup ?? stringOrUndefined(memo.resourceGroup);
  if (storage) {
    const archived = await archivedLog(jobs, storage, ref, run, options, { groupName, resourceGroup });
    if (archived) return archived;
  }
  if (run.workflowStatus !== 'RUNNING') return keptLog(run, options);

  const log = await readLiveLog({
    groupName,
    resourceGroup,
    tail: options.tail,
    timestamps: options.timestamps,
  });
  if (log !== undefined) return { instance: index, source: 'live', groupName, log };
  // no group: not created yet, between attempts, or just removed because the run has ended
  run = await jobs.getRun(ref, index);
  if (run.workflowStatus !== 'RUNNING') return keptLog(run, options);
  throw notFoundError(
    `Instance ${index} has no container group right now.`,
    'It is being created or restarted; try again in a few seconds.',
  );
}

/**
 * The attempt's log from the archive; while the instance runs, with the lines ACI has that the archive does not
 * have yet (when ARM access is configured). Undefined when nothing is archived.
 */
async function archivedLog(
  jobs: JobClient,
  storage: RunStorage,
  ref: JobRef,
  run: RunView,
  options: LogsOptions,
  group: { groupName: string; resourceGroup?: string },
): Promise<InstanceLog | undefined> {
  const runRef = await jobs.runStorage(ref, run.instanceIndex);
  const attempts = await storage.listAttemptLogs(runRef);
  const latest = attempts.at(-1);
  if (!latest) return undefined;
  const attempt = options.attempt ?? latest.attempt;
  const found = await storage.readAttemptLog(runRef, attempt);
  if (!found) {
    throw notFoundError(
      `Instance ${run.instanceIndex} has no archived log of attempt ${attempt}.`,
      `Archived attempts: ${attempts.map((a) => a.attempt).join(', ')}.`,
    );
  }
  let text = await readText(found.stream);
  // the current attempt of a running instance: add what ACI has beyond the archive
  const current = run.workflowStatus === 'RUNNING' && attempt === (run.progress?.attempt ?? latest.attempt);
  if (current && !found.sealed) text += await unarchivedLines(text, group);
  const complete = attemptComplete(run, attempt);
  return {
    instance: run.instanceIndex,
    source: 'archive',
    groupName: group.groupName,
    attempt,
    attempts: attempts.map((a) => a.attempt),
    ...(complete !== undefined && { complete }),
    log: shape(text, options),
  };
}

/** The lines of the running container's log not archived yet (none when ARM access is not configured). */
async function unarchivedLines(
  archived: string,
  group: { groupName: string; resourceGroup?: string },
): Promise<string> {
  const lines = parseLogContent(archived);
  const cursor = advance(EMPTY_CURSOR, lines, Buffer.byteLength(archived), false);
  let live: string | undefined;
  try {
    live = await readLiveLog({ ...group, timestamps: true });
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.usage) {
      note('(The lines ACI has not had archived yet are not shown: that needs ARM access, see --help.)');
      return '';
    }
    throw error;
  }
  return live === undefined ? '' : archiveText(newLines(parseLogContent(live), cursor).lines);
}

/** Whether the run's result says the attempt's archive is complete; undefined while it runs. */
function attemptComplete(run: RunView, attempt: number): boolean | undefined {
  const attempts = run.result?.logArchive?.attempts;
  return attempts?.find((candidate) => candidate.attempt === attempt)?.complete;
}

/** Archive text as asked: timestamps stripped unless --timestamps, the last --tail lines. */
function shape(text: string, options: Pick<LogsOptions, 'timestamps' | 'tail'>): string {
  const shown = options.timestamps ? text : stripTimestamps(text);
  return options.tail === undefined ? shown : lastLines(shown, options.tail);
}

/** --follow: the archive as it grows, attempt after attempt, until the instance has ended. */
async function follow(
  jobs: JobClient,
  storage: RunStorage,
  ref: JobRef,
  options: LogsOptions,
): Promise<void> {
  const index = options.instance;
  const memo = await jobMemo(jobs, ref);
  await jobs.getRun(ref, index).catch((error: unknown) => {
    throw error instanceof RunNotFoundError ? instanceNotFound(ref, index, memo.instances) : error;
  });
  const runRef: RunStorageRef = await jobs.runStorage(ref, index);
  let attempt = options.attempt ?? (await storage.listAttemptLogs(runRef)).at(-1)?.attempt ?? 1;
  let offset = 0;
  let endedAt: number | undefined;
  note(
    `Following the log of instance ${index} of ${formatJobRef(ref)}, attempt ${attempt} (Ctrl-C to stop):`,
  );
  for (;;) {
    const found = await storage.readAttemptLog(runRef, attempt, { offset });
    if (found) {
      const text = await readText(found.stream);
      if (text) process.stdout.write(options.timestamps ? text : stripTimestamps(text));
      offset = Math.max(offset, found.bytes);
      if (found.sealed) {
        const next = (await storage.listAttemptLogs(runRef)).find((a) => a.attempt > attempt);
        if (next && options.attempt === undefined) {
          attempt = next.attempt;
          offset = 0;
          note(`Attempt ${attempt}:`);
          continue;
        }
      }
    }
    const run = await jobs.getRun(ref, index);
    if (run.workflowStatus !== 'RUNNING') {
      // its last lines are archived as it ends: wait for the seal, briefly
      endedAt ??= Date.now();
      if (found?.sealed || Date.now() - endedAt > FOLLOW_SETTLE_MS) return;
    } else if (
      options.attempt === undefined &&
      run.progress &&
      run.progress.attempt > attempt &&
      found?.sealed
    ) {
      attempt = run.progress.attempt;
      offset = 0;
    }
    await sleep(FOLLOW_INTERVAL_MS);
  }
}

/** What the job was submitted with (its memo): instance count and resource group. */
async function jobMemo(jobs: JobClient, ref: JobRef): Promise<Record<string, unknown>> {
  try {
    return (await jobs.jobHandle(ref).describe()).memo ?? {};
  } catch (error) {
    throw error instanceof WorkflowNotFoundError ? new JobNotFoundError(ref) : error;
  }
}

function instanceNotFound(ref: JobRef, index: number, total: unknown): Error {
  if (typeof total !== 'number' || index < total) {
    return notFoundError(`Instance ${index} of job ${formatJobRef(ref)} has not started yet.`);
  }
  return notFoundError(
    total === 1
      ? `Job ${formatJobRef(ref)} has one instance: 0.`
      : `Job ${formatJobRef(ref)} has ${total} instances: 0 to ${total - 1}.`,
  );
}

/** The tail kept in the run's result; runs that were cancelled or broke off return no result to keep it in. */
function keptLog(run: RunView, options: LogsOptions): InstanceLog {
  if (!run.result) {
    throw notFoundError(
      `Instance ${run.instanceIndex} of job ${formatJobRef(run.ref)} ended ${run.workflowStatus.toLowerCase()} and kept no log.`,
      'Logs are kept in the results of instances that finish (and, with a storage account, in the log archive); read them live while an instance runs.',
    );
  }
  return {
    instance: run.instanceIndex,
    source: 'kept',
    groupName: run.result.groupName,
    log: options.tail === undefined ? run.result.logTail : lastLines(run.result.logTail, options.tail),
  };
}

/** The last `count` lines, ending with a newline so the shell prompt starts on its own line. */
function lastLines(text: string, count: number): string {
  if (!text) return '';
  const lines = text.replace(/\n$/, '').split('\n');
  return `${lines.slice(-count).join('\n')}\n`;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
