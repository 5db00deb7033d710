/** Job specs and workflow inputs for the workflow tests. */
import { randomBytes } from 'node:crypto';
import { parseJobSpec, type JobSpecInput } from '../../src/shared/job-spec';
import { runWorkflowId } from '../../src/shared/names';
import type { BatchJobInput, ContainerRunInput } from '../../src/workflows/inputs';
import { specForInstance } from '../../src/workflows/job-input';

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
  } as JobSpecInput & { jobId: string };
}

export function batchJobInput(label: string, overrides: Partial<JobSpecInput> = {}): BatchJobInput {
  return { spec: jobSpec(label, overrides) };
}

/** A containerRun for instance 0 of a fresh job, with its workflow id. */
export function containerRunInput(
  label: string,
  overrides: Partial<JobSpecInput> = {},
): { input: ContainerRunInput; workflowId: string } {
  const spec = parseJobSpec(jobSpec(label, overrides));
  const jobId = spec.jobId!;
  return {
    input: { spec: specForInstance(spec, 0), jobId, instanceIndex: 0, settings: {} },
    workflowId: runWorkflowId(TENANT, jobId, 0),
  };
}
