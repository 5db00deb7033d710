/**
 * The job-level policies, judged after every finished run: a failure rule that says FailJob, more failed
 * instances than the failure policy tolerates (a count or a percentage), or a success policy met. The first
 * decision stops the job: it launches nothing more, cancels what runs (each run still removes its group) and
 * ends with the decision's outcome and reason. Pure bookkeeping, carried across continue-as-new by recounting
 * the finished runs.
 */
import type { SubmittedJobSpec } from '../shared/job-spec';
import { parseIndexList } from '../shared/job-model';
import type { JobOutcome, RunSummary } from '../shared/messages';

/** What the policies count of a finished run (a compact record has it: src/shared/run-records.ts). */
export type CountedRun = Pick<RunSummary, 'instanceIndex' | 'status' | 'ignored'>;

export interface JobStop {
  outcome: Extract<JobOutcome, 'Completed' | 'Failed'>;
  reason: string;
}

/** Whether a spec has a policy that may stop its job early (only then are its runs started cancellable). */
export function hasJobPolicy(spec: SubmittedJobSpec): boolean {
  const failure = spec.failurePolicy;
  return (
    spec.successPolicy !== undefined ||
    failure?.maxFailedInstances !== undefined ||
    failure?.maxFailedPercent !== undefined ||
    (failure?.rules ?? []).some((rule) => rule.action === 'FailJob')
  );
}

/** A run that counts as failed: failed or timed out, and not ignored by a rule. */
export function countsAsFailed(run: CountedRun): boolean {
  return (run.status === 'Failed' || run.status === 'TimedOut') && !run.ignored;
}

export class JobPolicy {
  /** the decision that stopped the job, once there is one */
  stop: JobStop | undefined;
  private failed = 0;
  private succeeded = 0;
  /** the succeeded instances among successPolicy.succeededIndexes */
  private chosenSucceeded = 0;
  private readonly chosen: Set<number> | undefined;

  constructor(
    private readonly spec: SubmittedJobSpec,
    private readonly total: number,
    carried: readonly CountedRun[] = [],
  ) {
    const indexes = spec.successPolicy?.succeededIndexes;
    this.chosen = indexes === undefined ? undefined : new Set(parseIndexList(indexes).indexes);
    for (const run of carried) this.count(run);
  }

  /** Records a finished run; returns the decision the first time the job's policies reach one. */
  note(run: RunSummary): JobStop | undefined {
    if (this.stop) return undefined;
    this.count(run);
    this.stop = this.judge(run);
    return this.stop;
  }

  private count(run: CountedRun): void {
    if (run.status === 'Succeeded') {
      this.succeeded++;
      if (this.chosen?.has(run.instanceIndex)) this.chosenSucceeded++;
    } else if (countsAsFailed(run)) {
      this.failed++;
    }
  }

  private judge(run: RunSummary): JobStop | undefined {
    const failure = this.spec.failurePolicy;
    if (run.rule?.action === 'FailJob') {
      const exit = run.exitCode === undefined ? '' : ` with exit code ${run.exitCode}`;
      return {
        outcome: 'Failed',
        reason: `instance ${run.instanceIndex} failed${exit} (${run.reason ?? run.status}); failurePolicy.rules[${run.rule.index}] says FailJob`,
      };
    }
    if (failure?.maxFailedInstances !== undefined && this.failed > failure.maxFailedInstances) {
      return {
        outcome: 'Failed',
        reason: `${this.failed} instances failed, more than failurePolicy.maxFailedInstances (${failure.maxFailedInstances}) tolerates`,
      };
    }
    if (
      failure?.maxFailedPercent !== undefined &&
      this.failed * 100 > failure.maxFailedPercent * this.total
    ) {
      const percent = Math.round((this.failed * 1000) / this.total) / 10;
      return {
        outcome: 'Failed',
        reason: `${this.failed} of ${this.total} instances failed (${percent}%), more than failurePolicy.maxFailedPercent (${failure.maxFailedPercent}%) tolerates`,
      };
    }
    return this.successMet();
  }

  private successMet(): JobStop | undefined {
    const policy = this.spec.successPolicy;
    if (!policy) return undefined;
    const { succeededIndexes: indexes, succeededCount: count } = policy;
    let met: boolean;
    let what: string;
    if (this.chosen && count !== undefined) {
      met = this.chosenSucceeded >= count;
      what = `${count} of instances ${indexes} succeeded`;
    } else if (this.chosen) {
      met = this.chosenSucceeded === this.chosen.size;
      what = `instances ${indexes} succeeded`;
    } else {
      met = this.succeeded >= count!;
      what = `${count} instances succeeded`;
    }
    return met ? { outcome: 'Completed', reason: `successPolicy met: ${what}` } : undefined;
  }
}
