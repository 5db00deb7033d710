/** Job specs and workflow inputs for the workflow tests. */
import { randomBytes } from 'node:crypto';
import {
  parseJobSpec,
  specForInstance,
  type JobSpecInput,
  type SubmittedJobSpec,
} from '../../src/shared/job-spec';
import { runWorkflowId } from '../../src/shared/names';
import type { BatchJobInput, ContainerRunInput } from '../../src/workflows/inputs';

export const TENANT = 'acme';

function uniqueJobId(label: string): string {
  return `${label}-${randomBytes(3).toString('hex')}`;
}

/** A job spec with test-friendly defaults (a long monitor interval keeps histories short). */
export function jobSpec(
  label: string,
  overrides: Partial<JobSpecInput> = {},
): JobSpecInput & { jobId: string } {
  return {
    tenant: TENANT,
    jobId: uniqueJobId(label),
    image: 'example.azurecr.io/batch/job:1.0',
    monitorInterval: '5 minutes',
    logTailLines: 20,
    ...overrides,
  };
}

/** The job's input as the job client starts it: the spec parsed at the edge. */
export function batchJobInput(
  label: string,
  overrides: Partial<JobSpecInput> = {},
): BatchJobInput & { spec: SubmittedJobSpec } {
  return { spec: parseJobSpec(jobSpec(label, overrides)) as SubmittedJobSpec };
}

/** A containerRun for instance 0 of a fresh job, with its workflow id. */
export function containerRunInput(
  label: string,
  overrides: Partial<JobSpecInput> = {},
): { input: ContainerRunInput; workflowId: string } {
  const spec = parseJobSpec(jobSpec(label, overrides)) as SubmittedJobSpec;
  return {
    input: { spec: specForInstance(spec, 0), instanceIndex: 0, settings: {} },
    workflowId: runWorkflowId(TENANT, spec.jobId, 0),
  };
}
