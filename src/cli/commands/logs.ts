/**
 * `aci-batch logs <job>`: one instance's container log, live from ACI while the instance runs, or the tail
 * the run kept when it ended (its container group is gone by then, unless the policy kept it).
 */
import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { Command, Option } from 'commander';
import { getJobHandle, getRunHandle, getRunResult } from '../../client';
import { containerGroupName } from '../../shared/names';
import { readLiveLog } from '../container-logs';
import { notFoundError } from '../errors';
import { formatJobRef, JOB_REF_HELP, parseJobRef, type JobRef } from '../job-ref';
import { jobNotFound } from '../lookup';
import { action, integerFrom, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson } from '../output';
import { withTemporal } from '../temporal';

interface LogsOptions {
  instance: number;
  tail: number;
  resourceGroup?: string;
  json?: boolean;
}

interface InstanceLog {
  instance: number;
  /** live: read from the running container; kept: the tail the run kept when it ended */
  source: 'live' | 'kept';
  groupName: string;
  log: string;
}

const EXAMPLES = `
Examples:
  $ aci-batch logs acme/nightly-2026-11-24                # instance 0
  $ aci-batch logs acme/nightly-2026-11-24 --instance 7 --tail 20
  $ aci-batch logs acme/nightly-2026-11-24 --json | jq -r .log

While the instance runs the log comes from ACI, which needs ARM access: AZURE_SUBSCRIPTION_ID (or
ACI_EMULATOR_ENDPOINT + ACI_EMULATOR_CA_FILE for the local emulator), and the resource group (the job's own,
else --resource-group or ACI_RESOURCE_GROUP). Once it has ended, the log tail kept in its result is shown
(the spec's logTailLines, default 50).`;

export function logsCommand(): Command {
  return new Command('logs')
    .description("show an instance's container log: live while it runs, the kept tail once it has ended")
    .argument('<job>', JOB_REF_HELP)
    .addOption(tenantOption())
    .addOption(
      new Option('--instance <index>', 'which instance (0-based)').default(0).argParser(integerFrom(0)),
    )
    .addOption(
      new Option('--tail <lines>', 'at most this many of the last lines')
        .default(100)
        .argParser(integerFrom(1)),
    )
    .option('--resource-group <name>', "the container groups' resource group (live logs)")
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (job: string, options: LogsOptions, command: Command) => {
        const ref = parseJobRef(job, tenantOf(command));
        await withTemporal(async ({ client }) => {
          const result = await readInstanceLog(client, ref, options);
          if (options.json) return printJson({ ...ref, ...result });
          note(
            result.source === 'live'
              ? `Live log of instance ${result.instance} (container group ${result.groupName}):`
              : `Log tail kept when instance ${result.instance} ended (container group ${result.groupName}):`,
          );
          process.stdout.write(result.log);
        });
      }),
    );
}

async function readInstanceLog(client: Client, ref: JobRef, options: LogsOptions): Promise<InstanceLog> {
  const index = options.instance;
  const job = await describeOr(getJobHandle(client, ref.tenant, ref.jobId), () => jobNotFound(ref));
  const runHandle = getRunHandle(client, ref.tenant, ref.jobId, index);
  const run = await describeOr(runHandle, () => instanceNotFound(ref, index, job.memo?.instances));
  if (run.status.name !== 'RUNNING') return keptLog(client, ref, index, run.status.name, options.tail);

  const groupName = containerGroupName(ref.tenant, ref.jobId, index);
  const resourceGroup = options.resourceGroup ?? stringOrUndefined(job.memo?.resourceGroup);
  const log = await readLiveLog({ groupName, resourceGroup, tail: options.tail });
  if (log !== undefined) return { instance: index, source: 'live', groupName, log };
  // no group: not created yet, between attempts, or just removed because the run has ended
  const now = await runHandle.describe();
  if (now.status.name !== 'RUNNING') return keptLog(client, ref, index, now.status.name, options.tail);
  throw notFoundError(
    `Instance ${index} has no container group right now.`,
    'It is being created or restarted; try again in a few seconds.',
  );
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
async function keptLog(
  client: Client,
  ref: JobRef,
  index: number,
  runStatus: string,
  tail: number,
): Promise<InstanceLog> {
  if (runStatus !== 'COMPLETED') {
    throw notFoundError(
      `Instance ${index} of job ${formatJobRef(ref)} ended ${runStatus.toLowerCase()} and kept no log.`,
      'Logs are kept in the results of instances that finish; read them live while an instance runs.',
    );
  }
  const result = await getRunResult(client, ref.tenant, ref.jobId, index);
  return {
    instance: index,
    source: 'kept',
    groupName: result.groupName,
    log: lastLines(result.logTail, tail),
  };
}

/** The last `count` lines, ending with a newline so the shell prompt starts on its own line. */
function lastLines(text: string, count: number): string {
  if (!text) return '';
  const lines = text.replace(/\n$/, '').split('\n');
  return `${lines.slice(-count).join('\n')}\n`;
}

async function describeOr(
  handle: WorkflowHandle,
  notFound: () => Error,
): Promise<WorkflowExecutionDescription> {
  try {
    return await handle.describe();
  } catch (error) {
    throw error instanceof WorkflowNotFoundError ? notFound() : error;
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
