/**
 * The parent's view of a submitted spec: validated (an invalid spec fails the job for good, listing every
 * problem), and cut into the per-instance specs its children get.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  instanceCount,
  instanceParamsAt,
  JobSpecError,
  parseJobSpec,
  type JobSpec,
  type JobSpecInput,
} from '../shared/job-spec';

/** The failure type of a job whose spec is invalid. */
export const INVALID_JOB_SPEC = 'InvalidJobSpec';

export type ValidJobSpec = JobSpec & { jobId: string };

/** Throws a non-retryable `InvalidJobSpec` failure whose details are the problems (`{ path, message }[]`). */
export function validateJobSpec(input: JobSpecInput): ValidJobSpec {
  let spec: JobSpec;
  try {
    spec = parseJobSpec(input);
  } catch (error) {
    if (error instanceof JobSpecError) {
      throw ApplicationFailure.nonRetryable(error.message, INVALID_JOB_SPEC, error.problems);
    }
    throw error;
  }
  if (spec.jobId === undefined) {
    const problem = {
      path: 'jobId',
      message: 'is required when starting the workflow (startJob generates one)',
    };
    throw ApplicationFailure.nonRetryable(
      `Invalid job spec:\n  ${problem.path}: ${problem.message}`,
      INVALID_JOB_SPEC,
      [problem],
    );
  }
  return { ...spec, jobId: spec.jobId };
}

/**
 * One instance's spec: its own env and command merged over the job's, and `instances` reduced to the count,
 * so that a child's input (and the parent's history, which holds every child's input) does not repeat the
 * whole instance list a thousand times.
 */
export function specForInstance(spec: JobSpec, index: number): JobSpec {
  const params = instanceParamsAt(spec, index);
  return {
    ...spec,
    env: { ...spec.env, ...params.env },
    command: params.command ?? spec.command,
    instances: instanceCount(spec),
  };
}
