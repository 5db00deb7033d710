/** `aci-batch watch <job>`: live progress until the job ends, then its summary. */
import { Command } from 'commander';
import { followJob } from '../follow';
import { JOB_REF_HELP, parseJobRef } from '../job-ref';
import { exitCodeOf, printEnd, summaryWithRows } from '../job-view';
import { action, intervalOption, jsonOption, tenantOf, tenantOption } from '../options';
import { printJson } from '../output';
import { withTemporal } from '../temporal';

interface WatchOptions {
  interval: number;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ aci-batch watch acme/nightly-2026-11-24
  $ aci-batch watch nightly-2026-11-24 --tenant acme --interval 5
  $ aci-batch watch acme/nightly-2026-11-24 --json > summary.json   # progress goes to stderr

On a terminal: one bar for the job and one per instance (up to 20); elsewhere, plain lines when something
changes. Ctrl-C stops watching, not the job. Exit code 0 when every instance succeeded, else 1.`;

export function watchCommand(): Command {
  return new Command('watch')
    .description('follow a job with live progress until it ends')
    .argument('<job>', JOB_REF_HELP)
    .addOption(tenantOption())
    .addOption(intervalOption())
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (job: string, options: WatchOptions, command: Command) => {
        const ref = parseJobRef(job, tenantOf(command));
        return withTemporal(async ({ jobs }) => {
          const end = await followJob(jobs, ref, {
            intervalMs: options.interval * 1000,
            stream: options.json ? process.stderr : process.stdout,
          });
          if (options.json)
            printJson({ ...ref, state: end.state, summary: await summaryWithRows(jobs, end.summary) });
          else printEnd(end);
          return exitCodeOf(end);
        });
      }),
    );
}
