/**
 * batchJob: a whole job. Validates the spec, runs one child `containerRun` per instance through a sliding
 * window of `maxParallel`, answers the `status` query, keeps the search attributes current, and returns a
 * summary with cost.
 *
 * History: each child costs the parent about 3-5 events (start initiated, started, completed, and its share
 * of the workflow tasks around them; measured: 4,800 events for 1,000 instances through a window of 10, 3,300
 * through a window of 100), so 10,000 instances would come close to Temporal's hard limit of 51,200. When
 * the server suggests it (from 4,096 events or 4 MiB), the job stops launching, drains the children in
 * flight, and continues as new carrying only the finished runs' summaries and the next index. Draining
 * briefly narrows the window, but needs no second level of workflows and never orphans a child between runs.
 * Children's workflow ids come from the tenant, the job id and the index, so an instance never runs twice.
 *
 * Cancelling the job cancels every child and waits for their cleanup (each deletes its group); the job then
 * completes with outcome `Cancelled` and a summary of what ran and what it cost.
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
import { instanceCount, specForInstance } from '../shared/job-spec';
import { jobStatusQuery, type JobStatus, type JobSummary } from '../shared/messages';
import { runWorkflowId } from '../shared/names';
import { JOB_ID, JOB_STATUS, TENANT } from '../shared/search-attributes';
import { runSummary } from '../shared/summaries';
import { resolveCapacity } from './activities';
import { containerRun } from './containerRun';
import { runWindow } from './fan-out';
import type { BatchJobInput } from './inputs';
import { validateJobSpec } from './job-input';
import { JobTracker } from './job-tracker';

/** Jobs started before admission existed replay without asking for capacity. */
const ADMISSION_PATCH = 'capacity-admission';

export async function batchJob(input: BatchJobInput): Promise<JobSummary> {
  const spec = validateJobSpec(input.spec);
  const settings = input.settings ?? {};
  const total = instanceCount(spec);
  const tracker = new JobTracker(spec, total, settings.prices, input.carried);
  let state: JobStatus['state'] = 'Running';
  setHandler(jobStatusQuery, () => tracker.status(state));

  const identity = [
    { key: TENANT, value: spec.tenant },
    { key: JOB_ID, value: spec.jobId },
  ];
  if (!input.carried) upsertSearchAttributes([...identity, { key: JOB_STATUS, value: state }]);
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

  async function runInstance(index: number): Promise<void> {
    tracker.recordStart(index);
    try {
      const result = await executeChild(containerRun, {
        workflowId: runWorkflowId(spec.tenant, spec.jobId, index),
        args: [{ spec: specForInstance(spec, index), instanceIndex: index, settings, capacity }],
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
      tracker.recordResult(result);
    } catch (error) {
      tracker.recordFailure(index, error);
    }
  }

  let next = input.carried?.nextIndex ?? 0;
  try {
    next = await runWindow(
      {
        from: next,
        to: total,
        maxParallel: spec.maxParallel,
        stopLaunching: () => workflowInfo().continueAsNewSuggested,
      },
      runInstance,
    );
  } catch (error) {
    if (!isCancellation(error)) throw error;
  }
  // cancelled while launching, or while the window drained (draining shields itself from cancellation)
  const cancelled = CancellationScope.current().consideredCancelled;
  if (cancelled) {
    tracker.cancelUnstarted();
  } else if (next < total) {
    await condition(allHandlersFinished);
    return await continueAsNew<typeof batchJob>({ ...input, carried: tracker.carry(next) });
  }

  const summary = tracker.summary(cancelled);
  state = summary.outcome;
  upsertSearchAttributes([{ key: JOB_STATUS, value: state }]);
  return summary;
}
