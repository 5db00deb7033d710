/**
 * batchJob: a whole job. Validates the spec, runs one child `containerRun` per instance through a sliding
 * window of `maxParallel`, answers the `status` query, keeps the search attributes current, and returns a
 * summary with cost.
 *
 * History: each child costs the parent about 3-5 events (start initiated, started, completed, and its share
 * of the workflow tasks around them; measured: 4,800 events for 1,000 instances through a window of 10, 3,300
 * through a window of 100), so 10,000 instances would come close to Temporal's hard limit of 51,200. When
 * the server suggests it (from 4,096 events or 4 MiB), the job stops launching, drains the children in
 * flight, and continues as new carrying only the finished runs (their rows, or above 1,000 instances a
 * compact record each: job-tracker.ts) and the next index. Draining
 * briefly narrows the window, but needs no second level of workflows and never orphans a child between runs.
 * Children's workflow ids come from the tenant, the job id and the index, so an instance never runs twice.
 *
 * Cancelling the job cancels every child and waits for their cleanup (each deletes its group); the job then
 * completes with outcome `Cancelled` and a summary of what ran and what it cost.
 *
 * A job with `dependsOn` first waits (state `Waiting`) until the jobs it names have ended, and fails at once,
 * saying why, when one ends otherwise than the condition asks. A job with a failure or success policy
 * (job-policy.ts) may stop early: it launches nothing more, cancels its running children (each removes its
 * group) and ends `Failed` or `Completed` with the reason in its summary. A scheduled job has no job id in its
 * spec: it takes `<schedule>-<yyyymmddhhmmss>` from the fire time Temporal appended to its workflow id.
 * Every new path starts only from a spec field (or input) that jobs started before it did not have, so their
 * histories replay unchanged without a patch.
 */
import {
  allHandlersFinished,
  patched,
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DependencyOutcome } from '../activities/types';
import type { SubmittedJobSpec } from '../shared/job-spec';
import { instanceCount, instanceIndexAt, specForInstance } from '../shared/job-model';
import { jobStatusQuery, type JobStatus, type JobSummary } from '../shared/messages';
import { runWorkflowId, scheduledJobId } from '../shared/names';
import { JOB_ID, JOB_STATUS, TENANT } from '../shared/search-attributes';
import { runSummary } from '../shared/summaries';
import { awaitJobs, resolveCapacity } from './activities';
import { containerRun } from './containerRun';
import { runWindow } from './fan-out';
import type { BatchJobInput } from './inputs';
import { validateJobSpec } from './job-input';
import { hasJobPolicy, JobPolicy, type JobStop } from './job-policy';
import { JobTracker } from './job-tracker';

/** Jobs started before admission existed replay without asking for capacity. */
const ADMISSION_PATCH = 'capacity-admission';
/**
 * Jobs since issue 17 keep a compact record per instance and page their summary above SUMMARY_ROWS_MAX
 * instances (job-tracker.ts); jobs started before go on carrying and returning every row.
 */
export const PAGED_SUMMARY_PATCH = 'paged-job-summary';

export async function batchJob(input: BatchJobInput): Promise<JobSummary> {
  const { schedule } = input;
  const spec = validateJobSpec(
    input.spec,
    schedule && (() => scheduledJobId(schedule.name, workflowInfo().workflowId, workflowInfo().startTime)),
  );
  const settings = input.settings ?? {};
  const total = instanceCount(spec);
  const tracker = new JobTracker(spec, total, settings.prices, input.carried, {
    paging: patched(PAGED_SUMMARY_PATCH),
    rowsMax: input.summaryRowsMax,
  });
  // failure tolerance, FailJob rules, a success policy: what may stop the job before every instance ran
  const policy = hasJobPolicy(spec) ? new JobPolicy(spec, total, tracker.finishedRuns()) : undefined;
  const waitsForJobs = spec.dependsOn !== undefined && !input.carried;
  let state: JobStatus['state'] = waitsForJobs ? 'Waiting' : 'Running';
  setHandler(jobStatusQuery, () => ({
    ...tracker.status(state),
    ...(state === 'Waiting' && { dependsOn: spec.dependsOn }),
    ...(state === 'Running' && policy?.stop && { reason: policy.stop.reason }),
  }));

  const identity = [
    { key: TENANT, value: spec.tenant },
    { key: JOB_ID, value: spec.jobId },
  ];
  if (!input.carried) upsertSearchAttributes([...identity, { key: JOB_STATUS, value: state }]);

  /** The end: the summary, and the job's status search attribute set to its outcome. */
  const end = (cancelled: boolean, stop?: JobStop): JobSummary => {
    const summary = tracker.summary(cancelled, stop);
    state = summary.outcome;
    upsertSearchAttributes([{ key: JOB_STATUS, value: state }]);
    return summary;
  };

  if (waitsForJobs) {
    const waited = await waitForDependencies(spec);
    if (waited === 'cancelled') {
      tracker.cancelUnstarted();
      return end(true);
    }
    if (!waited.satisfied) {
      const stop: JobStop = {
        outcome: 'Failed',
        reason: waited.reason ?? 'a dependency did not end as required',
      };
      tracker.cancelUnstarted(stop.reason);
      return end(false, stop);
    }
    state = 'Running';
    upsertSearchAttributes([{ key: JOB_STATUS, value: state }]);
  }

  // where the runs get capacity: asked once per job (jobs started before admission existed go without)
  const capacity =
    input.carried?.capacity ??
    (patched(ADMISSION_PATCH)
      ? ((await resolveCapacity({
          tenant: spec.tenant,
          region: spec.region,
          resourceGroup: spec.resourceGroup,
          ...(spec.placement && { placement: { pools: spec.placement.pools, spot: spec.placement.spot } }),
          priority: spec.priority,
          cpu: spec.cpu,
          memoryGB: spec.memoryGB,
        })) ?? undefined)
      : undefined);
  tracker.capacity = capacity;

  // the runs of a job with policies run in their own scope: a policy's decision cancels them all
  const runs = policy ? new CancellationScope() : undefined;

  async function runInstance(position: number): Promise<void> {
    const index = instanceIndexAt(spec, position);
    tracker.recordStart(index);
    const start = () =>
      executeChild(containerRun, {
        workflowId: runWorkflowId(spec.tenant, spec.jobId, index),
        args: [{ spec: specForInstance(spec, position), instanceIndex: index, settings, capacity }],
        // if the job ends without cancelling them (terminated, timed out), the server cancels the runs
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        // a cancelled job waits until each run has removed its group
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        typedSearchAttributes: identity,
        // how the run reads in the Web UI (metadata only: replay does not compare it)
        staticSummary: runSummary(spec, spec.jobId, index),
        // worker slots shared between tenants by their weights, and the job's priority first (Temporal's own
        // task-queue fairness; the ledger shares ACI capacity)
        ...(capacity && {
          priority: {
            priorityKey: capacity.priority,
            fairnessKey: spec.tenant,
            fairnessWeight: capacity.weight,
          },
        }),
      });
    try {
      const result = await (runs ? runs.run(start) : start());
      tracker.recordResult(result);
      if (policy?.note(result)) runs!.cancel();
    } catch (error) {
      const run = tracker.recordFailure(index, error, policy?.stop?.reason);
      if (policy?.note(run)) runs!.cancel();
    }
  }

  let next = input.carried?.nextIndex ?? 0;
  try {
    next = await runWindow(
      {
        from: next,
        to: total,
        maxParallel: spec.maxParallel,
        stopLaunching: () => policy?.stop !== undefined || workflowInfo().continueAsNewSuggested,
      },
      runInstance,
    );
  } catch (error) {
    if (!isCancellation(error)) throw error;
  }
  // cancelled while launching, or while the window drained (draining shields itself from cancellation)
  const cancelled = CancellationScope.current().consideredCancelled;
  const stop = policy?.stop;
  if (cancelled) {
    tracker.cancelUnstarted();
  } else if (stop) {
    tracker.cancelUnstarted(stop.reason);
  } else if (next < total) {
    await condition(allHandlersFinished);
    return await continueAsNew<typeof batchJob>({ ...input, carried: tracker.carry(next) });
  }
  return end(cancelled, stop);
}

/** Waits for the jobs the spec depends on; 'cancelled' when the job is cancelled meanwhile. */
async function waitForDependencies(spec: SubmittedJobSpec): Promise<DependencyOutcome | 'cancelled'> {
  const { jobs, condition: rule } = spec.dependsOn!;
  try {
    return await awaitJobs({ tenant: spec.tenant, jobIds: jobs, condition: rule });
  } catch (error) {
    if (isCancellation(error)) return 'cancelled';
    throw error;
  }
}
