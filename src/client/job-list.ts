/**
 * A page of one tenant's jobs from Temporal visibility. The SDK's public `workflow.list()` iterates every page
 * and cannot resume from a token, which the API's paging needs; so this is the one place that calls the raw
 * ListWorkflowExecutions and decodes its rows with the SDK's own (internal) decoder.
 */
import type { Client } from '@temporalio/client';
// the only deep import of SDK internals in the project: see the comment above
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { JOB_ID, JOB_STATUS, TENANT } from '../shared/search-attributes';
import { jobStateOf, type WorkflowStatusName } from '../shared/statuses';

export interface ListJobsOptions {
  tenant: string;
  /** Running, Completed, PartiallyFailed, Failed, Cancelled */
  status?: string;
  /** jobs started at or after / before this time */
  startedAfter?: Date;
  startedBefore?: Date;
  pageSize?: number;
  /** from the previous page's `nextPageToken` */
  pageToken?: string;
}

export interface JobListItem {
  tenant: string;
  jobId: string;
  workflowId: string;
  status: string;
  startedAt?: string;
  closedAt?: string;
  memo?: Record<string, unknown>;
}

export interface JobPage {
  jobs: JobListItem[];
  nextPageToken?: string;
}

/** Only batchJob workflows: the runs carry the tenant's search attributes too. */
export async function listJobPage(client: Client, options: ListJobsOptions): Promise<JobPage> {
  const clauses = [`WorkflowType = "batchJob"`, `${TENANT.name} = ${quote(options.tenant)}`];
  if (options.status) clauses.push(`${JOB_STATUS.name} = ${quote(options.status)}`);
  // a terminated job keeps the status it last set (Running): only open workflows run
  if (options.status === 'Running') clauses.push(`ExecutionStatus = "Running"`);
  if (options.startedAfter) clauses.push(`StartTime >= ${quote(options.startedAfter.toISOString())}`);
  if (options.startedBefore) clauses.push(`StartTime < ${quote(options.startedBefore.toISOString())}`);
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: clauses.join(' AND '),
    pageSize: options.pageSize ?? 50,
    nextPageToken: options.pageToken ? Buffer.from(options.pageToken, 'base64url') : undefined,
  });
  const jobs = await Promise.all(
    response.executions.map(async (raw) => {
      const info = await executionInfoFromRaw(
        raw,
        client.workflow.options.loadedDataConverter,
        raw,
        client.options.namespace,
      );
      return {
        tenant: info.typedSearchAttributes.get(TENANT) ?? options.tenant,
        jobId: info.typedSearchAttributes.get(JOB_ID) ?? info.workflowId,
        workflowId: info.workflowId,
        status: statusOf(info.status.name, info.typedSearchAttributes.get(JOB_STATUS)),
        startedAt: info.startTime.toISOString(),
        closedAt: info.closeTime?.toISOString(),
        memo: info.memo,
      };
    }),
  );
  const token = response.nextPageToken?.length
    ? Buffer.from(response.nextPageToken).toString('base64url')
    : undefined;
  return { jobs, nextPageToken: token };
}

/**
 * The job's own status word, except for a workflow that closed without setting one (terminated, timed out): its
 * last word was Running, the truth is how it closed.
 */
function statusOf(workflowStatus: WorkflowStatusName, jobStatus: string | undefined): string {
  if (jobStatus && !(jobStatus === 'Running' && workflowStatus !== 'RUNNING')) return jobStatus;
  return jobStateOf(workflowStatus);
}

/** A string literal of Temporal's list-filter language. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
