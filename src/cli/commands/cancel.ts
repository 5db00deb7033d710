/**
 * `aci-batch cancel <job>`: cancel a running job. Each instance removes its container group (cleanup runs in
 * a non-cancellable scope), and by default the command waits for that, so "cancelled" means "nothing left".
 */
import { Command } from 'commander';
import { formatJobRef, JOB_REF_HELP, parseJobRef } from '../job-ref';
import { printEnd } from '../job-view';
import { action, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson, printLine } from '../output';
import { withTemporal } from '../temporal';
import { isJobOpen } from '../../shared/statuses';

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
        await withTemporal(async ({ jobs }) => {
          const before = await jobs.get(ref, { liveProgress: false });
          if (!isJobOpen(before.state)) {
            const state = before.state;
            if (options.json) return printJson({ ...ref, cancelRequested: false, state });
            return printLine(`Job ${formatJobRef(ref)} has already ended (${state}); nothing to cancel.`);
          }
          await jobs.cancel(ref);
          if (!options.wait) {
            if (options.json) return printJson({ ...ref, cancelRequested: true, state: before.state });
            printLine(`Cancellation of job ${formatJobRef(ref)} requested.`);
            return note(`Its container groups are being removed; see: aci-batch status ${formatJobRef(ref)}`);
          }
          if (!options.json) note(`Cancelling job ${formatJobRef(ref)}: removing its container groups ...`);
          // resolves (or fails, if the job ended without a summary) once the last run has removed its group
          await jobs.result(ref).catch(() => undefined);
          const after = await jobs.get(ref);
          if (options.json) {
            return printJson({ ...ref, cancelRequested: true, state: after.state, summary: after.summary });
          }
          printEnd(after);
        });
      }),
    );
}
