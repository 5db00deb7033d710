/**
 * The job's one validation of its spec, inside the workflow: the edge (API or CLI) parsed it and settled its
 * job id, but workflow input can come from anywhere (the Temporal CLI, the Web UI), so the workflow checks it
 * once more and fails for good, listing every problem, when it is not a valid submitted spec.
 *
 * The schema (src/shared/job-spec.ts, zod) is loaded here, when a job validates, and not imported: the
 * workflow bundle evaluates its modules once per workflow, and a module-level import would build zod and
 * every schema in each `containerRun` too, which never validates a spec (measured: about 11 ms of CPU per
 * workflow with it, under 1 ms without; issue 17).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { INVALID_JOB_SPEC } from '../shared/failures';
import { JobSpecError } from '../shared/job-model';
import type * as JobSpecSchema from '../shared/job-spec';
import type { JobSpec, SubmittedJobSpec } from '../shared/job-spec';

type JobSpecModule = typeof JobSpecSchema;

/** The schema module, evaluated on first use in this workflow's context (webpack keeps `require` lazy). */
function jobSpecModule(): JobSpecModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: see the header
  return require('../shared/job-spec') as JobSpecModule;
}

/**
 * Throws a non-retryable `InvalidJobSpec` failure whose details are the problems (`{ path, message }[]`).
 * `deriveJobId` gives the id of a job whose spec has none: a scheduled job's, from its workflow id.
 */
export function validateJobSpec(input: unknown, deriveJobId?: () => string): SubmittedJobSpec {
  let spec: JobSpec;
  try {
    spec = jobSpecModule().parseJobSpec(input);
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
