/**
 * The parent's book of a job: which instances are pending, running or finished, and how each ended. It hears
 * only of starts and finishes (a child's phase changes would cost the parent history events per change; live
 * per-instance progress is one query away on the child). Answers the status query, carries itself across
 * continue-as-new, and writes the summary.
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
import { jobOutcomeOf } from '../shared/statuses';
import { describeFailure } from './failures';
import type { CapacityPlacement } from '../shared/capacity';
import type { CarriedJobState } from './inputs';
import { instanceIndexAt, type SubmittedJobSpec } from '../shared/job-spec';
import type { JobStop } from './job-policy';

export class JobTracker {
  readonly startedAtMs: number;
  private readonly finished = new Map<number, RunSummary>();
  /** index → when the parent started it */
  private readonly running = new Map<number, number>();

  constructor(
    private readonly spec: SubmittedJobSpec,
    readonly total: number,
    private readonly prices: AciPrices = DEFAULT_ACI_PRICES,
    carried?: CarriedJobState,
  ) {
    this.startedAtMs = carried?.startedAtMs ?? Date.now();
    for (const run of carried?.runs ?? []) this.finished.set(run.instanceIndex, run);
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
    this.finished.set(result.instanceIndex, summary);
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
    const cancelled = stoppedBy ? `cancelled: ${stoppedBy}` : 'cancelled';
    const run: RunSummary = {
      ...this.blankRun(index, status, startedAtMs),
      message: `${status === 'Cancelled' ? cancelled : describeFailure(error)}; billing estimated from the run's duration`,
      billedSeconds,
      costUsd: containerCostUsd(billedSeconds, this.spec, this.prices),
    };
    this.finished.set(index, run);
    return run;
  }

  /** Instances the job never started (it was cancelled, or its policies stopped it, first). */
  cancelUnstarted(why?: string): void {
    for (let position = 0; position < this.total; position++) {
      const index = instanceIndexAt(this.spec, position);
      if (!this.finished.has(index) && !this.running.has(index)) {
        this.finished.set(index, {
          ...this.blankRun(index, 'Cancelled', Date.now()),
          message: why ? `never started: ${why}` : 'never started',
        });
      }
    }
  }

  /** The finished runs so far, by index (the job's policies recount them after continue-as-new). */
  finishedRuns(): RunSummary[] {
    return this.runs();
  }

  /** where the runs get capacity (status readers find the queue there) */
  capacity: CapacityPlacement | undefined;

  carry(nextIndex: number): CarriedJobState {
    return { startedAtMs: this.startedAtMs, nextIndex, runs: this.runs(), capacity: this.capacity };
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
      const run = this.finished.get(index);
      if (run) {
        counts[run.status]++;
        instances.push({ index, phase: run.status, exitCode: run.exitCode });
      } else if (this.running.has(index)) {
        counts.running++;
        instances.push({ index, phase: 'Running' });
      } else {
        counts.pending++;
        instances.push({ index, phase: 'Pending' });
      }
    }
    const percent = Math.floor((this.finished.size * 100) / this.total);
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

  /** `stop`: the job's policies ended it early, with this outcome and reason. */
  summary(cancelled: boolean, stop?: JobStop): JobSummary {
    const runs = this.runs();
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
      runs,
    };
  }

  private runs(): RunSummary[] {
    return [...this.finished.values()].sort((a, b) => a.instanceIndex - b.instanceIndex);
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
  runs: readonly RunSummary[],
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
