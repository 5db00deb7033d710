/**
 * `aci-batch cancel <job>`: cancel a running job. Each instance removes its container group (cleanup runs in
 * a non-cancellable scope), and by default the command waits for that, so "cancelled" means "nothing left".
 */
import { Command } from 'commander';
import { cancelJob, getJobResult } from '../../client';
import { formatJobRef, JOB_REF_HELP, parseJobRef } from '../job-ref';
import { jobState, printSummary } from '../job-view';
import { lookUpJob } from '../lookup';
import { action, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson, printLine } from '../output';
import { withTemporal } from '../temporal';

interface CancelOptions {
  wait: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ aci-batch cancel acme/nightly-2026-11-24
  $ aci-batch cancel acme/nightly-2026-11-24 --no-wait

A job that has already ended is left as it is (exit code 0, its state is printed).`;

export function cancelCommand(): Command {
  return new Command('cancel')
    .description('cancel a running job and remove its container groups')
    .argument('<job>', JOB_REF_HELP)
    .addOption(tenantOption())
    .option('--no-wait', 'return once cancellation is requested, without waiting for the cleanup')
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (job: string, options: CancelOptions, command: Command) => {
        const ref = parseJobRef(job, tenantOf(command));
        await withTemporal(async ({ client }) => {
          const before = await lookUpJob(client, ref);
          if (before.workflowStatus !== 'RUNNING') {
            const state = jobState(before);
            if (options.json) return printJson({ ...ref, cancelRequested: false, state });
            return printLine(`Job ${formatJobRef(ref)} has already ended (${state}); nothing to cancel.`);
          }
          await cancelJob(client, ref.tenant, ref.jobId);
          if (!options.wait) {
            if (options.json) return printJson({ ...ref, cancelRequested: true, state: 'Running' });
            printLine(`Cancellation of job ${formatJobRef(ref)} requested.`);
            return note(`Its container groups are being removed; see: aci-batch status ${formatJobRef(ref)}`);
          }
          if (!options.json) note(`Cancelling job ${formatJobRef(ref)}: removing its container groups ...`);
          // resolves (or fails, if the job ended without a summary) once the last run has removed its group
          await getJobResult(client, ref.tenant, ref.jobId).catch(() => undefined);
          const after = await lookUpJob(client, ref);
          if (options.json) {
            return printJson({
              ...ref,
              cancelRequested: true,
              state: jobState(after),
              summary: after.summary,
            });
          }
          if (after.summary) printSummary(after.summary);
          else printLine(`Job ${formatJobRef(ref)} ended ${jobState(after)}.`);
        });
      }),
    );
}
