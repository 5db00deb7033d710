/**
 * `aci-batch rerun <job> --failed`: a new job with only the failed, timed-out and cancelled instances of a
 * finished job, each with its own parameters and its original index (ACI_BATCH_INSTANCE_INDEX), named
 * `<job>-rerun-<n>` unless --job-id says otherwise. The original's status lists its reruns.
 */
import { Command } from 'commander';
import { loadJobSettings } from '../../client';
import { compactIndexes } from '../../shared/summaries';
import { usageError } from '../errors';
import { followJob } from '../follow';
import { formatJobRef, JOB_REF_HELP, parseJobRef } from '../job-ref';
import { exitCodeOf, printEnd } from '../job-view';
import { action, intervalOption, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson, printLine } from '../output';
import { withTemporal } from '../temporal';

interface RerunOptions {
  failed?: boolean;
  jobId?: string;
  watch?: boolean;
  interval: number;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ aci-batch rerun acme/nightly-2026-11-24 --failed
  $ aci-batch rerun acme/nightly-2026-11-24 --failed --watch
  $ aci-batch rerun nightly-2026-11-24 --tenant acme --failed --job-id nightly-2026-11-24-fix --json

The rerun runs the instances that failed, timed out or were cancelled (or never started), each with its
per-instance parameters and its original index, so each container does the same shard as before. Failures a
failure rule said to Ignore counted as done and are not run again. The job must have ended (exit code 1 if it
still runs, or if nothing failed).`;

export function rerunCommand(): Command {
  return new Command('rerun')
    .description("start a new job with a finished job's failed instances")
    .argument('<job>', JOB_REF_HELP)
    .addOption(tenantOption())
    .option(
      '--failed',
      'rerun the failed, timed-out and cancelled instances (required: the only choice today)',
    )
    .option('--job-id <jobId>', "the rerun's job id (default: <jobId>-rerun-<n>)")
    .option('--watch', 'follow the rerun to its end; exit code 1 unless every instance succeeded')
    .addOption(intervalOption())
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (job: string, options: RerunOptions, command: Command) => {
        const ref = parseJobRef(job, tenantOf(command));
        if (!options.failed) {
          throw usageError(
            'Say which instances to rerun.',
            `Add --failed: aci-batch rerun ${formatJobRef(ref)} --failed`,
          );
        }
        const jobId =
          options.jobId === undefined
            ? undefined
            : parseJobRef(options.jobId, { value: ref.tenant, explicit: false }).jobId;
        const settings = loadJobSettings();
        return withTemporal(async ({ jobs }) => {
          const rerun = await jobs.rerun(ref, { jobId });
          const started = {
            ...rerun.ref,
            rerunOf: ref.jobId,
            instances: rerun.instances,
            started: rerun.started,
          };
          if (!options.json) {
            printLine(
              rerun.started
                ? `Started job ${formatJobRef(rerun.ref)}, a rerun of ${formatJobRef(ref)}: instances ${compactIndexes(rerun.instances)}.`
                : `Job ${formatJobRef(rerun.ref)} was submitted before; nothing new was started.`,
            );
          }
          if (!options.watch) {
            if (options.json) printJson(started);
            else note(`Follow it with: aci-batch watch ${formatJobRef(rerun.ref)}`);
            return;
          }
          const end = await followJob(jobs, rerun.ref, {
            intervalMs: options.interval * 1000,
            stream: options.json ? process.stderr : process.stdout,
          });
          if (options.json) printJson({ ...started, state: end.state, summary: end.summary });
          else printEnd(end);
          return exitCodeOf(end);
        }, settings);
      }),
    );
}
