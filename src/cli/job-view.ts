/** A job as people read it: its state, live status, and the summary with cost once it has ended. */
import type { JobClient, JobView } from '../client';
import type { JobStatus, JobSummary } from '../shared/messages';
import { EXIT, type ExitCode } from './errors';
import { optional, secondsBetween, table, usd } from './format';
import { formatJobRef, type JobRef } from './job-ref';
import { printLine } from './output';

/** Above this many instances the status lists only those not pending or succeeded. */
const MAX_LISTED_INSTANCES = 50;

/** Where the job came from (a schedule, a rerun) and its reruns. */
export function printOrigin(view: JobView): void {
  if (view.schedule) printLine(`Started by schedule ${view.ref.tenant}/${view.schedule}.`);
  if (view.rerunOf) printLine(`A rerun of ${view.ref.tenant}/${view.rerunOf}.`);
  if (view.reruns?.length) {
    printLine(`Reruns: ${view.reruns.map((rerun) => `${rerun.jobId} (${rerun.status})`).join(', ')}`);
  }
}

/** For watch and submit --watch: only a job that completed every instance counts as success. */
export function exitCodeOf(view: JobView): ExitCode {
  return view.summary?.outcome === 'Completed' ? EXIT.ok : EXIT.failed;
}

/** The end of a job as watch, submit --watch and cancel print it. */
export function printEnd(view: JobView): void {
  if (view.summary) printSummary(view.summary);
  else printLine(`Job ${formatJobRef(view.ref)} ended ${view.state} without a summary.`);
}

function countsText(status: JobStatus): string {
  return Object.entries(status.counts)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${state} ${count}`)
    .join(', ');
}

export function printStatus(ref: JobRef, status: JobStatus): void {
  printLine(`Job ${formatJobRef(ref)}: ${status.state} ${status.percent}% (${countsText(status)})`);
  if (status.dependsOn) {
    printLine(`Waiting for: ${status.dependsOn.jobs.join(', ')} (${status.dependsOn.condition})`);
  }
  if (status.reason) printLine(`Stopping: ${status.reason}`);
  const listed =
    status.total > MAX_LISTED_INSTANCES
      ? status.instances.filter((instance) => instance.phase !== 'Pending' && instance.phase !== 'Succeeded')
      : status.instances;
  const rows = listed
    .slice(0, MAX_LISTED_INSTANCES)
    .map((instance) => [
      String(instance.index),
      instance.phase,
      progressText(instance),
      optional(instance.exitCode),
    ]);
  if (rows.length) printLine(table(['INSTANCE', 'PHASE', 'PROGRESS', 'EXIT'], rows));
  if (listed.length > rows.length) printLine(`... and ${listed.length - rows.length} more (see --json)`);
}

/** A running instance's percent; a queued one's place in its pool's queue and expected start. */
function progressText(instance: JobStatus['instances'][number]): string {
  if (instance.queuePosition !== undefined) {
    const at = instance.estimatedStartAt ? ` (~${instance.estimatedStartAt.slice(11, 16)} UTC)` : '';
    return `queue #${instance.queuePosition}${at}`;
  }
  return instance.percent === undefined ? '-' : `${instance.percent}%`;
}

/**
 * The summary as --json prints it: with every row, also of a paged summary (read from its runs, page by page;
 * its records are then left out), so a big job's JSON reads as a small one's.
 */
export async function summaryWithRows(
  jobs: JobClient,
  summary: JobSummary | undefined,
): Promise<JobSummary | undefined> {
  if (!summary?.runsPaged) return summary;
  const { runsPaged: _paged, runRecords: _records, ...rest } = summary;
  const ref = { tenant: summary.tenant, jobId: summary.jobId };
  return { ...rest, runs: await jobs.allRuns(ref, { summary }) };
}

export function printSummary(summary: JobSummary): void {
  const ignored = summary.ignored ? `, ${summary.ignored} failed but ignored` : '';
  printLine(
    `Job ${summary.tenant}/${summary.jobId}: ${summary.outcome} ` +
      `(${summary.succeeded}/${summary.total} succeeded, ${summary.failed} failed, ` +
      `${summary.timedOut} timed out, ${summary.cancelled} cancelled${ignored})`,
  );
  if (summary.reason) printLine(`Why: ${summary.reason}`);
  const runs = [...summary.runs].sort((a, b) => a.instanceIndex - b.instanceIndex);
  if (summary.runsPaged) {
    printLine(`Each instance's row: --json (read from its runs, ${summary.total} of them).`);
  } else if (runs.length <= MAX_LISTED_INSTANCES) {
    printLine(
      table(
        ['INSTANCE', 'STATUS', 'EXIT', 'ATTEMPTS', 'DURATION', 'BILLED', 'COST'],
        runs.map((run) => [
          String(run.instanceIndex),
          run.ignored ? `${run.status} (ignored)` : run.status,
          optional(run.exitCode),
          String(run.attempts),
          secondsBetween(run.startedAt, run.finishedAt),
          `${run.billedSeconds}s`,
          usd(run.costUsd),
        ]),
      ),
    );
  }
  printLine(`Billed container-seconds: ${summary.billedSeconds}, estimated cost: ${usd(summary.costUsd)}`);
}
