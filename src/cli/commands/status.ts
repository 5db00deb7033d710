/** `aci-batch status <job>`: where a job stands now; its summary with cost once it has ended. */
import { Command } from 'commander';
import { formatJobRef, JOB_REF_HELP, parseJobRef } from '../job-ref';
import { printStatus, printSummary } from '../job-view';
import { action, jsonOption, tenantOf, tenantOption } from '../options';
import { printJson, printLine } from '../output';
import { withTemporal } from '../temporal';

const EXAMPLES = `
Examples:
  $ aci-batch status acme/nightly-2026-11-24
  $ aci-batch status acme/nightly-2026-11-24 --json | jq .state

--json prints {tenant, jobId, state, status, summary}: "status" (counts, percent, instances) while the job
runs, "summary" (per-instance results, billed seconds, cost) once it has ended.`;

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
          const { state, status, summary } = await jobs.get(ref);
          if (options.json) printJson({ ...ref, state, status, summary });
          else if (status) printStatus(ref, status);
          else if (summary) printSummary(summary);
          else if (state === 'Running')
            printLine(`Job ${formatJobRef(ref)} is running; its progress cannot be read now.`);
          else printLine(`Job ${formatJobRef(ref)} ended ${state} without a summary.`);
        });
      }),
    );
}
