/** Reading a job that may not exist: "not found" becomes exit code 3 with a way to find the right name. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { getJobOutcome, type JobOutcomeView } from '../client';
import { notFoundError } from './errors';
import { formatJobRef, type JobRef } from './job-ref';

export async function lookUpJob(client: Client, ref: JobRef): Promise<JobOutcomeView> {
  try {
    return await getJobOutcome(client, ref.tenant, ref.jobId);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw jobNotFound(ref);
    throw error;
  }
}

export function jobNotFound(ref: JobRef): Error {
  return notFoundError(
    `No job ${formatJobRef(ref)} in this namespace.`,
    `List the tenant's jobs with: aci-batch list --tenant ${ref.tenant}`,
  );
}
