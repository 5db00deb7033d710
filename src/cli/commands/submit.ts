/** `aci-batch submit <spec-file>`: validate a spec file, start the job, and optionally follow it to its end. */
import { Command } from 'commander';
import { loadJobSettings } from '../../client';
import type { JobSettings } from '../../shared/job-settings';
import { followJob } from '../follow';
import { formatJobRef } from '../job-ref';
import { exitCodeOf, printEnd, summaryWithRows } from '../job-view';
import { action, intervalOption, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson, printLine } from '../output';
import { readSpecFile } from '../spec-file';
import { withTemporal } from '../temporal';

interface SubmitOptions {
  jobId?: string;
  watch?: boolean;
  interval: number;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ aci-batch submit examples/specs/sample-batch-job.yaml --watch
  $ aci-batch submit nightly.yaml --tenant acme --job-id nightly-2026-11-24
  $ aci-batch submit nightly.json --json | jq -r .jobId

Submitting the same tenant and job id again starts nothing: it reports the first submission.
Containers report back through ACI_BATCH_CALLBACK_BASE_URL (the HTTP API) or, directly to Temporal,
ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS; set one of them.`;

export function submitCommand(): Command {
  return new Command('submit')
    .description('submit a job from a YAML or JSON spec file')
    .argument('<spec-file>', 'the job spec (see examples/specs/)')
    .addOption(
      tenantOption("the job's tenant: replaces the spec's (from the env: only fills in a missing one)"),
    )
    .option('--job-id <jobId>', "the job id (default: the spec's, else a new one)")
    .option('--watch', 'follow the job to its end; exit code 1 unless every instance succeeded')
    .addOption(intervalOption())
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (file: string, options: SubmitOptions, command: Command) => {
        const spec = readSpecFile(file, { tenant: tenantOf(command), jobId: options.jobId });
        const settings = loadJobSettings();
        warnIfContainersCannotReport(settings);
        return withTemporal(async ({ jobs, config }) => {
          const job = await jobs.submit(spec);
          const { ref } = job;
          const submitted = { ...ref, workflowId: job.workflowId, started: job.started };
          if (!options.json) {
            printLine(
              job.started
                ? `Submitted job ${formatJobRef(ref)} (task queue ${config.taskQueue}).`
                : `Job ${formatJobRef(ref)} was submitted before; nothing new was started.`,
            );
          }
          if (!options.watch) {
            if (options.json) printJson(submitted);
            else note(`Follow it with: aci-batch watch ${formatJobRef(ref)}`);
            return;
          }
          const end = await followJob(jobs, ref, {
            intervalMs: options.interval * 1000,
            stream: options.json ? process.stderr : process.stdout,
          });
          if (options.json)
            printJson({ ...submitted, state: end.state, summary: await summaryWithRows(jobs, end.summary) });
          else printEnd(end);
          return exitCodeOf(end);
        }, settings);
      }),
    );
}

/** Without a way to report, a run learns only the container's exit code (from its monitor): say so up front. */
function warnIfContainersCannotReport(settings: JobSettings): void {
  if (settings.callbackBaseUrl || settings.temporal) return;
  note(
    'Warning: neither ACI_BATCH_CALLBACK_BASE_URL nor ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS is set, so the ' +
      'containers cannot report; each instance is judged by its exit code when the monitor sees it exit.',
  );
}
