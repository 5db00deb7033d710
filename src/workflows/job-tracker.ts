/**
 * The parent's book of a job: which instances are pending, running or finished, and how each ended. It hears
 * only of starts and finishes (a child's phase changes would cost the parent history events per change; live
 * per-instance progress is one query away on the child). Answers the status query, carries itself across
 * continue-as-new, and writes the summary.
 *
 * Each finished instance is kept as a compact record (src/shared/run-records.ts: status, exit code, billing),
 * and as its full row only while the summary lists rows: up to SUMMARY_ROWS_MAX instances and
 * SUMMARY_ROWS_BYTES of rows. A bigger job carries and returns only the records (its summary is paged), so
 * 10,000 instances with the longest messages stay far below Temporal's 2 MB payload limit.
 */
import { isCancellation } from '@temporalio/workflow';
import type { JobStatus, JobSummary, RunResult, RunStatus, RunSummary } from '../shared/messages';
import { containerGroupName } from '../shared/names';
import {
  containerCostUsd,
  DEFAULT_ACI_PRICES,
  roundUsd,
  runCostUsd,
  type AciPrices,
} from '../shared/pricing';
import {
  cancelledMessage,
  compactRun,
  failedMessage,
  neverStartedMessage,
  readRecord,
  sourceOfRow,
  SUMMARY_ROWS_BYTES,
  SUMMARY_ROWS_MAX,
  utf8Length,
  type CompactRun,
  type RowSource,
  type RunOutline,
} from '../shared/run-records';
import { jobOutcomeOf } from '../shared/statuses';
import { describeFailure } from './failures';
import type { CapacityPlacement } from '../shared/capacity';
import type { CarriedJobState } from './inputs';
import type { SubmittedJobSpec } from '../shared/job-spec';
import { instanceIndexAt } from '../shared/job-model';
import type { JobStop } from './job-policy';

/** How the tracker keeps the runs' rows. */
export interface TrackerOptions {
  /**
   * the job may page its summary (the `paged-job-summary` patch): records for every instance, rows only while
   * the summary lists them; false: rows for every instance, as jobs started before the patch did
   */
  paging: boolean;
  /** the most rows the summary lists (default SUMMARY_ROWS_MAX) */
  rowsMax?: number;
}

export class JobTracker {
  readonly startedAtMs: number;
  /** every finished instance, compactly: what the status query, the policies and the counts read */
  private readonly records = new Map<number, CompactRun>();
  /** the finished instances' full rows, while the summary lists them; undefined once it is paged */
  private rows: Map<number, RunSummary> | undefined = new Map();
  /** their size as UTF-8 JSON */
  private rowBytes = 0;
  /** index → when the parent started it */
  private readonly running = new Map<number, number>();
  private readonly paging: boolean;

  constructor(
    private readonly spec: SubmittedJobSpec,
    readonly total: number,
    private readonly prices: AciPrices = DEFAULT_ACI_PRICES,
    carried?: CarriedJobState,
    options: TrackerOptions = { paging: false },
  ) {
    this.paging = options.paging;
    this.startedAtMs = carried?.startedAtMs ?? Date.now();
    if (this.paging && (total > (options.rowsMax ?? SUMMARY_ROWS_MAX) || carried?.paged)) {
      this.rows = undefined;
    }
    for (const record of carried?.records ?? []) this.records.set(record[0], record);
    for (const run of carried?.runs ?? []) {
      // carried by a run of this job from before records existed: its record is told from the row
      if (!carried?.records) this.records.set(run.instanceIndex, compactRun(run, sourceOfRow(run)));
      this.keepRow(run);
    }
  }

  /** Whether the summary lists every row (false: it is paged, and the rows are read from the runs). */
  get listsRows(): boolean {
    return this.rows !== undefined;
  }

  recordStart(index: number): void {
    this.running.set(index, Date.now());
  }

  /** The log tail and the container's result stay in the child's history: the parent keeps the summary. */
  recordResult(result: RunResult): void {
    const {
      logTail: _logTail,
      result: _result,
      logArchive: _logArchive,
      outputs: _outputs,
      ...summary
    } = result;
    this.running.delete(result.instanceIndex);
    this.finish(summary, 'result');
  }

  /**
   * A child that did not return a result (cancelled, terminated, or broken) reported no billing: the time it
   * ran, as the parent saw it, stands in for it. `stoppedBy`: the job's policies cancelled it, and why.
   */
  recordFailure(index: number, error: unknown, stoppedBy?: string): RunSummary {
    const status: RunStatus = isCancellation(error) ? 'Cancelled' : 'Failed';
    const startedAtMs = this.running.get(index) ?? Date.now();
    this.running.delete(index);
    const billedSeconds = Math.round((Date.now() - startedAtMs) / 1000);
    const run: RunSummary = {
      ...this.blankRun(index, status, startedAtMs),
      message: status === 'Cancelled' ? cancelledMessage(stoppedBy) : failedMessage(describeFailure(error)),
      billedSeconds,
      costUsd: containerCostUsd(billedSeconds, this.spec, this.prices),
    };
    this.finish(run, status === 'Cancelled' ? 'cancelled' : 'failed', stoppedBy !== undefined);
    return run;
  }

  /** Instances the job never started (it was cancelled, or its policies stopped it, first). */
  cancelUnstarted(why?: string): void {
    for (let position = 0; position < this.total; position++) {
      const index = instanceIndexAt(this.spec, position);
      if (!this.records.has(index) && !this.running.has(index)) {
        const run = { ...this.blankRun(index, 'Cancelled', Date.now()), message: neverStartedMessage(why) };
        this.finish(run, 'never-started', why !== undefined);
      }
    }
  }

  /** The finished runs so far, by index (the job's policies recount them after continue-as-new). */
  finishedRuns(): RunOutline[] {
    return this.outlines();
  }

  /** where the runs get capacity (status readers find the queue there) */
  capacity: CapacityPlacement | undefined;

  carry(nextIndex: number): CarriedJobState {
    const carried: CarriedJobState = { startedAtMs: this.startedAtMs, nextIndex, capacity: this.capacity };
    if (this.rows) carried.runs = this.sortedRows();
    if (this.paging) carried.records = this.sortedRecords();
    if (this.paging && !this.rows) carried.paged = true;
    return carried;
  }

  status(state: JobStatus['state']): JobStatus {
    const counts: JobStatus['counts'] = {
      pending: 0,
      queued: 0,
      running: 0,
      Succeeded: 0,
      Failed: 0,
      TimedOut: 0,
      Cancelled: 0,
    };
    const instances: JobStatus['instances'] = [];
    for (let position = 0; position < this.total; position++) {
      const index = instanceIndexAt(this.spec, position);
      const record = this.records.get(index);
      if (record) {
        const [, status, exitCode] = record;
        counts[status]++;
        instances.push({ index, phase: status, exitCode: exitCode ?? undefined });
      } else if (this.running.has(index)) {
        counts.running++;
        instances.push({ index, phase: 'Running' });
      } else {
        counts.pending++;
        instances.push({ index, phase: 'Pending' });
      }
    }
    const percent = Math.floor((this.records.size * 100) / this.total);
    return {
      tenant: this.spec.tenant,
      jobId: this.spec.jobId,
      state,
      total: this.total,
      counts,
      percent,
      instances,
      ...(this.capacity && {
        capacity: { ledgerId: this.capacity.ledgerId, pools: this.capacity.pools.map((pool) => pool.name) },
      }),
    };
  }

  /**
   * `stop`: the job's policies ended it early, with this outcome and reason. Counts and cost come from the
   * records; the rows are listed while the summary lists them, else the records are, and it says it is paged.
   */
  summary(cancelled: boolean, stop?: JobStop): JobSummary {
    const runs = this.outlines();
    // an ignored failure counts as done: not among the failed or timed out
    const count = (status: RunStatus) => runs.filter((run) => run.status === status && !run.ignored).length;
    const succeeded = count('Succeeded');
    const ignored = runs.filter((run) => run.ignored).length;
    return {
      tenant: this.spec.tenant,
      jobId: this.spec.jobId,
      outcome: cancelled
        ? 'Cancelled'
        : (stop?.outcome ?? jobOutcomeOf(succeeded + ignored, this.total, false)),
      total: this.total,
      succeeded,
      failed: count('Failed'),
      timedOut: count('TimedOut'),
      cancelled: count('Cancelled'),
      ...(ignored > 0 && { ignored }),
      ...(stop && !cancelled && { reason: stop.reason }),
      startedAt: new Date(this.startedAtMs).toISOString(),
      finishedAt: new Date(Date.now()).toISOString(),
      billedSeconds: runs.reduce((sum, run) => sum + run.billedSeconds, 0),
      costUsd: roundUsd(runs.reduce((sum, run) => sum + run.costUsd, 0)),
      ...spotShare(runs, this.spec, this.prices),
      ...(this.rows
        ? { runs: this.sortedRows() }
        : { runs: [], runsPaged: true, runRecords: this.sortedRecords() }),
    };
  }

  private finish(run: RunSummary, source: RowSource, stopped = false): void {
    this.records.set(run.instanceIndex, compactRun(run, source, stopped));
    this.keepRow(run);
  }

  /** Keeps the row while the summary lists rows; past SUMMARY_ROWS_BYTES, the summary becomes paged. */
  private keepRow(run: RunSummary): void {
    if (!this.rows) return;
    this.rows.set(run.instanceIndex, run);
    if (!this.paging) return;
    this.rowBytes += utf8Length(JSON.stringify(run));
    if (this.rowBytes > SUMMARY_ROWS_BYTES) this.rows = undefined;
  }

  private outlines(): RunOutline[] {
    return this.sortedRecords().map(readRecord);
  }

  private sortedRecords(): CompactRun[] {
    return [...this.records.values()].sort((a, b) => a[0] - b[0]);
  }

  private sortedRows(): RunSummary[] {
    return [...this.rows!.values()].sort((a, b) => a.instanceIndex - b.instanceIndex);
  }

  private blankRun(index: number, status: RunStatus, startedAtMs: number): RunSummary {
    return {
      instanceIndex: index,
      status,
      attempts: 0,
      groupName: containerGroupName(this.spec.tenant, this.spec.jobId, index),
      keptGroup: false,
      startedAt: new Date(startedAtMs).toISOString(),
      finishedAt: new Date(Date.now()).toISOString(),
      billedSeconds: 0,
      costUsd: 0,
    };
  }
}

/** The Spot share of a job's billing, when any run used Spot. */
function spotShare(
  runs: readonly RunOutline[],
  resources: SubmittedJobSpec,
  prices: AciPrices,
): Pick<JobSummary, 'spot'> {
  const spotRuns = runs.filter((run) => run.spotSeconds || run.evictions);
  if (spotRuns.length === 0) return {};
  const billedSeconds = spotRuns.reduce((sum, run) => sum + (run.spotSeconds ?? 0), 0);
  return {
    spot: {
      billedSeconds,
      costUsd: runCostUsd({ billedSeconds, spotSeconds: billedSeconds }, resources, prices),
      evictions: spotRuns.reduce((sum, run) => sum + (run.evictions ?? 0), 0),
    },
  };
}
