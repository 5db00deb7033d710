/** `aci-batch list`: a tenant's jobs through Temporal visibility, filtered by status and start time. */
import { Command, Option } from 'commander';
import type { JobListItem } from '../../client';
import type { JobOutcome } from '../../shared/messages';
import { table, time } from '../format';
import { requireTenant } from '../job-ref';
import { action, jsonOption, tenantOf, tenantOption, integerFrom } from '../options';
import { printJson, printLine } from '../output';
import { parseTime } from '../period';
import { withTemporal } from '../temporal';

interface ListOptions {
  status?: string;
  schedule?: string;
  since?: string;
  until?: string;
  limit: number;
  json?: boolean;
}

const STATUSES: Array<'Waiting' | 'Running' | JobOutcome> = [
  'Waiting',
  'Running',
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Cancelled',
];

const EXAMPLES = `
Examples:
  $ aci-batch list --tenant acme
  $ aci-batch list --tenant acme --status Running
  $ aci-batch list --tenant acme --status Failed --since 7d --json | jq -r '.jobs[].jobId'
  $ aci-batch list --tenant acme --since 2026-11-01 --until 2026-12-01 --limit 500
  $ aci-batch list --tenant acme --schedule nightly

Running jobs first (latest started first), then ended ones (latest ended first), as Temporal's
visibility store orders them. --since and --until take an ISO date or time, or a duration ago (7d, 12h, 90m).`;

export function listCommand(): Command {
  return new Command('list')
    .description("list a tenant's jobs: running ones first, then ended ones, latest first")
    .addOption(tenantOption("the jobs' tenant"))
    .addOption(new Option('--status <status>', 'only jobs in this state').choices(STATUSES))
    .option('--schedule <name>', 'only jobs this schedule started')
    .option('--since <time>', 'only jobs started at or after this time')
    .option('--until <time>', 'only jobs started before this time')
    .addOption(new Option('--limit <count>', 'at most this many jobs').default(50).argParser(integerFrom(1)))
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (options: ListOptions, command: Command) => {
        const tenant = requireTenant(tenantOf(command));
        const startedAfter = options.since === undefined ? undefined : parseTime('--since', options.since);
        const startedBefore = options.until === undefined ? undefined : parseTime('--until', options.until);
        await withTemporal(async (session) => {
          const jobs: JobListItem[] = [];
          let pageToken: string | undefined;
          do {
            const page = await session.jobs.list({
              tenant,
              status: options.status,
              schedule: options.schedule,
              startedAfter,
              startedBefore,
              pageSize: Math.min(200, Math.max(1, options.limit - jobs.length)),
              pageToken,
            });
            jobs.push(...page.jobs);
            pageToken = page.nextPageToken;
          } while (pageToken && jobs.length < options.limit);
          const listed = jobs.slice(0, options.limit);
          const more = jobs.length > options.limit || pageToken !== undefined;
          if (options.json) return printJson({ tenant, jobs: listed, more });
          if (!listed.length) return printLine(`No jobs of tenant ${tenant} match.`);
          printLine(
            table(
              ['JOB', 'STATUS', 'STARTED', 'CLOSED', 'INSTANCES', 'IMAGE'],
              listed.map((job) => [
                job.jobId,
                job.status,
                time(job.startedAt),
                time(job.closedAt),
                memoField(job, 'instances'),
                memoField(job, 'image'),
              ]),
            ),
          );
          if (more) printLine(`(more jobs match: raise --limit, or narrow with --since/--until)`);
        });
      }),
    );
}

/** The memo is what the submitter wrote: show it only when it has the expected shape. */
function memoField(job: JobListItem, key: string): string {
  const value = job.memo?.[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '-';
}
