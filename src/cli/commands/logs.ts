/**
 * `aci-batch logs <job>`: one instance's container log, live from ACI while the instance runs, or the tail
 * the run kept when it ended (its container group is gone by then, unless the policy kept it).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { Command, Option } from 'commander';
import { JobNotFoundError, RunNotFoundError, type JobClient, type RunView } from '../../client';
import { containerGroupName } from '../../shared/names';
import { readLiveLog } from '../container-logs';
import { notFoundError } from '../errors';
import { formatJobRef, JOB_REF_HELP, parseJobRef, type JobRef } from '../job-ref';
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
        await withTemporal(async ({ jobs }) => {
          const result = await readInstanceLog(jobs, ref, options);
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

async function readInstanceLog(jobs: JobClient, ref: JobRef, options: LogsOptions): Promise<InstanceLog> {
  const index = options.instance;
  const memo = await jobMemo(jobs, ref);
  let run = await jobs.getRun(ref, index).catch((error: unknown) => {
    throw error instanceof RunNotFoundError ? instanceNotFound(ref, index, memo.instances) : error;
  });
  if (run.workflowStatus !== 'RUNNING') return keptLog(run, options.tail);

  const groupName = containerGroupName(ref.tenant, ref.jobId, index);
  const resourceGroup = options.resourceGroup ?? stringOrUndefined(memo.resourceGroup);
  const log = await readLiveLog({ groupName, resourceGroup, tail: options.tail });
  if (log !== undefined) return { instance: index, source: 'live', groupName, log };
  // no group: not created yet, between attempts, or just removed because the run has ended
  run = await jobs.getRun(ref, index);
  if (run.workflowStatus !== 'RUNNING') return keptLog(run, options.tail);
  throw notFoundError(
    `Instance ${index} has no container group right now.`,
    'It is being created or restarted; try again in a few seconds.',
  );
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
function keptLog(run: RunView, tail: number): InstanceLog {
  if (!run.result) {
    throw notFoundError(
      `Instance ${run.instanceIndex} of job ${formatJobRef(run.ref)} ended ${run.workflowStatus.toLowerCase()} and kept no log.`,
      'Logs are kept in the results of instances that finish; read them live while an instance runs.',
    );
  }
  return {
    instance: run.instanceIndex,
    source: 'kept',
    groupName: run.result.groupName,
    log: lastLines(run.result.logTail, tail),
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
