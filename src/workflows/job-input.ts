/**
 * The job's one validation of its spec, inside the workflow: the edge (API or CLI) parsed it and settled its
 * job id, but workflow input can come from anywhere (the Temporal CLI, the Web UI), so the workflow checks it
 * once more and fails for good, listing every problem, when it is not a valid submitted spec.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { INVALID_JOB_SPEC } from '../shared/failures';
import { JobSpecError, parseJobSpec, type JobSpec, type SubmittedJobSpec } from '../shared/job-spec';

/**
 * Throws a non-retryable `InvalidJobSpec` failure whose details are the problems (`{ path, message }[]`).
 * `deriveJobId` gives the id of a job whose spec has none: a scheduled job's, from its workflow id.
 */
export function validateJobSpec(input: unknown, deriveJobId?: () => string): SubmittedJobSpec {
  let spec: JobSpec;
  try {
    spec = parseJobSpec(input);
  } catch (error) {
    if (error instanceof JobSpecError) {
      throw ApplicationFailure.nonRetryable(error.message, INVALID_JOB_SPEC, error.problems);
    }
    throw error;
  }
  if (spec.jobId === undefined && deriveJobId) return { ...spec, jobId: deriveJobId() };
  if (spec.jobId === undefined) {
    const problem = {
      path: 'jobId',
      message: 'is required when starting the workflow (the API and CLI set one)',
    };
    throw ApplicationFailure.nonRetryable(
      `Invalid job spec:\n  ${problem.path}: ${problem.message}`,
      INVALID_JOB_SPEC,
      [problem],
    );
  }
  return { ...spec, jobId: spec.jobId };
}
