/** `aci-batch status <job>`: where a job stands now; its summary with cost once it has ended. */
import { Command } from 'commander';
import { formatJobRef, JOB_REF_HELP, parseJobRef } from '../job-ref';
import { printOrigin, printStatus, printSummary, summaryWithRows } from '../job-view';
import { action, jsonOption, tenantOf, tenantOption } from '../options';
import { printJson, printLine } from '../output';
import { withTemporal } from '../temporal';

const EXAMPLES = `
Examples:
  $ aci-batch status acme/nightly-2026-11-24
  $ aci-batch status acme/nightly-2026-11-24 --json | jq .state

--json prints {tenant, jobId, state, status, summary, rerunOf, schedule, reruns}: "status" (counts, percent,
instances) while the job waits or runs, "summary" (per-instance results, billed seconds, cost) once it has
ended, "reruns" (the jobs that rerun it) once it has ended. A job of more than 1,000 instances keeps its
per-instance results in its runs: --json reads them all (page by page) into "summary.runs".`;

export function statusCommand(): Command {
  return new Command('status')
    .description("show a job's state, progress, and (once ended) its results and cost")
    .argument('<job>', JOB_REF_HELP)
    .addOption(tenantOption())
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (job: string, options: { json?: boolean }, command: Command) => {
        const ref = parseJobRef(job, tenantOf(command));
        await withTemporal(async ({ jobs }) => {
          const view = await jobs.get(ref);
          const { state, status, summary, rerunOf, schedule, reruns } = view;
          if (options.json) {
            const listed = await summaryWithRows(jobs, summary);
            return printJson({ ...ref, state, status, summary: listed, rerunOf, schedule, reruns });
          }
          if (status) printStatus(ref, status);
          else if (summary) printSummary(summary);
          else if (state === 'Running')
            printLine(`Job ${formatJobRef(ref)} is running; its progress cannot be read now.`);
          else printLine(`Job ${formatJobRef(ref)} ended ${state} without a summary.`);
          printOrigin(view);
        });
      }),
    );
}
