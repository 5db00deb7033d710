/**
 * The status words along a job's path, and every mapping between them. They differ on purpose, because each
 * is the word its readers already use:
 *
 *  - a container *reports* `Completed` or `Failed`: the words of the Durable Functions sample's external event,
 *    which existing batch containers send;
 *  - a *run* (one instance) ends `Succeeded`, `Failed`, `TimedOut` or `Cancelled`, like a Kubernetes pod;
 *  - a *job* ends `Completed`, `PartiallyFailed`, `Failed` or `Cancelled`, like a Kubernetes Job;
 *  - a job whose workflow closed without a summary (terminated, timed out) is named after Temporal's status.
 */
import type { CompletionStatus, JobOutcome, RunStatus } from './messages';

/** A container's report, as the run's status. */
export function runStatusOfReport(status: CompletionStatus): Extract<RunStatus, 'Succeeded' | 'Failed'> {
  return status === 'Completed' ? 'Succeeded' : 'Failed';
}

/**
 * The job's outcome from its runs: all succeeded, some, none; or cancelled, whatever its runs did.
 * `succeeded` counts failures a rule said to Ignore too: they count as done.
 */
export function jobOutcomeOf(succeeded: number, total: number, cancelled: boolean): JobOutcome {
  if (cancelled) return 'Cancelled';
  if (succeeded === total) return 'Completed';
  return succeeded === 0 ? 'Failed' : 'PartiallyFailed';
}

/** Temporal's workflow statuses (WorkflowExecutionStatusName). */
export type WorkflowStatusName =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNKNOWN'
  | 'UNSPECIFIED';

/**
 * What users see as a job's state: `Waiting` (for the jobs it depends on), `Running`, its outcome, or how its
 * workflow closed without one.
 */
export type JobState = 'Waiting' | 'Running' | JobOutcome | 'Terminated' | 'TimedOut';

/** The job has not ended: it waits for its dependencies or runs. */
export function isJobOpen(state: JobState): state is 'Waiting' | 'Running' {
  return state === 'Waiting' || state === 'Running';
}

const CLOSED_WITHOUT_SUMMARY: Partial<Record<WorkflowStatusName, JobState>> = {
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  TERMINATED: 'Terminated',
  TIMED_OUT: 'TimedOut',
};

/** A job's state from its workflow's status and, once it completed, its summary's outcome. */
export function jobStateOf(workflowStatus: WorkflowStatusName, outcome?: JobOutcome): JobState {
  if (outcome) return outcome;
  // a job that continued as new goes on in its next run
  if (workflowStatus === 'RUNNING' || workflowStatus === 'CONTINUED_AS_NEW') return 'Running';
  return CLOSED_WITHOUT_SUMMARY[workflowStatus] ?? 'Failed';
}
