/** `aci-batch status <job>`: where a job stands now; its summary with cost once it has ended. */
import { Command } from 'commander';
import { getJobStatus } from '../../client';
import { formatJobRef, JOB_REF_HELP, parseJobRef } from '../job-ref';
import { jobState, printStatus, printSummary } from '../job-view';
import { lookUpJob } from '../lookup';
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
        await withTemporal(async ({ client }) => {
          const outcome = await lookUpJob(client, ref);
          const state = jobState(outcome);
          // a closed workflow is not queried: that would need a worker to replay it
          const status = state === 'Running' ? await getJobStatus(client, ref.tenant, ref.jobId) : undefined;
          if (options.json) printJson({ ...ref, state, status, summary: outcome.summary });
          else if (status) printStatus(ref, status);
          else if (outcome.summary) printSummary(outcome.summary);
          else printLine(`Job ${formatJobRef(ref)} ended ${state} without a summary.`);
        });
      }),
    );
}
