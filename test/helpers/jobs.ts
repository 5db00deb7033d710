/** Submitting specs as the edges do (parse, settle the job id), and run tokens as the worker mints them. */
import type { Client } from '@temporalio/client';
import { settleJobId, type JobClient, type SubmittedJob } from '../../src/client';
import { RunTokens } from '../../src/security/run-tokens';
import { parseJobSpec, type JobSpecInput } from '../../src/shared/job-spec';

/** What the API and the CLI do with a spec they accept: parse it, settle its job id, submit it. */
export function submitSpec(jobs: JobClient, spec: JobSpecInput): Promise<SubmittedJob> {
  return jobs.submit(settleJobId(parseJobSpec(spec)));
}

/** The token the worker handed a running run's container (same secret, the run's first run id). */
export async function runTokenOf(client: Client, secret: string, runId: string): Promise<string> {
  const { raw } = await client.workflow.getHandle(runId).describe();
  const firstRunId = raw.workflowExecutionInfo?.firstRunId;
  if (!firstRunId) throw new Error(`run ${runId} has no first run id`);
  return new RunTokens(secret).issue(runId, { firstRunId, expiresAtMs: Date.now() + 3600_000 });
}
