/**
 * `aci-batch cost`: what jobs cost, from their summaries (billed container-seconds × the prices decided at
 * submission): one job with its instances, or a tenant's jobs started in a period.
 */
import { Command } from 'commander';
import type { JobClient } from '../../client';
import { usageError } from '../errors';
import { table, time, usd } from '../format';
import { formatJobRef, parseJobRef, requireTenant, type JobRef } from '../job-ref';
import { action, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson, printLine } from '../output';
import { parseTime } from '../period';
import { withTemporal } from '../temporal';
import { runOutlines } from '../../shared/run-records';
import { isJobOpen } from '../../shared/statuses';

interface CostOptions {
  since?: string;
  until?: string;
  json?: boolean;
}

/** A tenant's cost without --since covers this much of the past. */
const DEFAULT_PERIOD = '30d';

const EXAMPLES = `
Examples:
  $ aci-batch cost acme/nightly-2026-11-24
  $ aci-batch cost --tenant acme                      # jobs started in the last ${DEFAULT_PERIOD}
  $ aci-batch cost --tenant acme --since 2026-11-01 --until 2026-12-01 --json | jq .costUsd

Costs are estimates: billed container-seconds (create to delete or stop) at the vCPU and memory prices the
job was submitted with. A job counts in the period it started in; running jobs are listed but not priced.`;

export function costCommand(): Command {
  return new Command('cost')
    .description("show the cost of a job, or of a tenant's jobs over a period")
    .argument(
      '[job]',
      'one job, as <tenant>/<jobId> (or <jobId> with --tenant); without it, the whole tenant',
    )
    .addOption(tenantOption())
    .option('--since <time>', `tenant: jobs started at or after this time (default: ${DEFAULT_PERIOD} ago)`)
    .option('--until <time>', 'tenant: jobs started before this time (default: now)')
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (job: string | undefined, options: CostOptions, command: Command) => {
        if (job !== undefined) {
          if (options.since !== undefined || options.until !== undefined) {
            throw usageError(
              "--since and --until apply to a tenant's cost, not to one job.",
              'Leave out the job, or the period.',
            );
          }
          const ref = parseJobRef(job, tenantOf(command));
          return withTemporal(({ jobs }) => showJobCost(jobs, ref, options.json));
        }
        const tenant = requireTenant(tenantOf(command));
        const since = parseTime('--since', options.since ?? DEFAULT_PERIOD);
        const until = options.until === undefined ? new Date() : parseTime('--until', options.until);
        return withTemporal(({ jobs }) => showTenantCost(jobs, { tenant, since, until }, options.json));
      }),
    );
}

async function showJobCost(jobs: JobClient, ref: JobRef, json?: boolean): Promise<void> {
  const { state, summary } = await jobs.get(ref, { liveProgress: false });
  if (json) {
    return printJson({
      ...ref,
      state,
      billedSeconds: summary?.billedSeconds ?? null,
      costUsd: summary?.costUsd ?? null,
      // by index; a paged summary's records carry each instance's billing too
      instances:
        summary &&
        runOutlines(summary).map((run) => ({
          index: run.instanceIndex,
          billedSeconds: run.billedSeconds,
          costUsd: run.costUsd,
        })),
    });
  }
  if (!summary) {
    return printLine(
      isJobOpen(state)
        ? `Job ${formatJobRef(ref)} is still ${state === 'Waiting' ? 'waiting' : 'running'}; its cost is known when it ends.`
        : `Job ${formatJobRef(ref)} ended ${state} without a summary; its cost is unknown.`,
    );
  }
  printLine(
    table(
      ['INSTANCE', 'BILLED', 'COST'],
      runOutlines(summary).map((run) => [
        String(run.instanceIndex),
        `${run.billedSeconds}s`,
        usd(run.costUsd),
      ]),
    ),
  );
  printLine(
    `Job ${formatJobRef(ref)} (${state}): ${summary.billedSeconds} container-seconds, ${usd(summary.costUsd)}`,
  );
}

interface Period {
  tenant: string;
  since: Date;
  until: Date;
}

async function showTenantCost(jobs: JobClient, period: Period, json?: boolean): Promise<void> {
  const { tenant, since, until } = period;
  const cost = await jobs.cost({ tenant, startedAfter: since, startedBefore: until });
  if (json) return printJson({ ...cost, since: since.toISOString(), until: until.toISOString() });
  const span = `${time(since.toISOString())} to ${time(until.toISOString())}`;
  if (cost.jobs.length) {
    printLine(
      table(
        ['JOB', 'OUTCOME', 'STARTED', 'INSTANCES', 'BILLED', 'COST'],
        cost.jobs.map((job) => [
          job.jobId,
          job.outcome,
          time(job.startedAt),
          String(job.instances),
          `${job.billedSeconds}s`,
          usd(job.costUsd),
        ]),
      ),
    );
  }
  printLine(
    `Tenant ${tenant}, jobs started ${span}: ${cost.jobs.length} priced, ` +
      `${cost.billedSeconds} container-seconds, ${usd(cost.costUsd)}`,
  );
  if (cost.running.length) note(`Still running, not priced yet: ${cost.running.join(', ')}`);
  if (cost.unpriced.length) note(`Ended without a summary, cost unknown: ${cost.unpriced.join(', ')}`);
}
