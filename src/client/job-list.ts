/**
 * A page of one tenant's jobs from Temporal visibility. The SDK's public `workflow.list()` iterates every page
 * and cannot resume from a token, which the API's paging needs; so this is the one place that calls the raw
 * ListWorkflowExecutions and decodes its rows with the SDK's own (internal) decoder.
 */
import type { Client } from '@temporalio/client';
// the only deep import of SDK internals in the project: see the comment above
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { scheduledJobId } from '../shared/names';
import { JOB_ID, JOB_STATUS, RERUN_OF, SCHEDULE, TENANT } from '../shared/search-attributes';
import { jobStateOf, type WorkflowStatusName } from '../shared/statuses';
import type { JobRef } from './job-ref';

export interface ListJobsOptions {
  tenant: string;
  /** Waiting, Running, Completed, PartiallyFailed, Failed, Cancelled */
  status?: string;
  /** only the jobs this schedule started */
  schedule?: string;
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
  /** the schedule that started it */
  schedule?: string;
  /** the job it reruns */
  rerunOf?: string;
}

/** A rerun of a job, as the original's status lists it. */
export interface RerunItem {
  jobId: string;
  status: string;
  startedAt?: string;
}

export interface JobPage {
  jobs: JobListItem[];
  nextPageToken?: string;
}

/** Only batchJob workflows: the runs carry the tenant's search attributes too. */
export async function listJobPage(client: Client, options: ListJobsOptions): Promise<JobPage> {
  const clauses = [`WorkflowType = "batchJob"`, `${TENANT.name} = ${quote(options.tenant)}`];
  if (options.status) clauses.push(`${JOB_STATUS.name} = ${quote(options.status)}`);
  if (options.schedule) clauses.push(`${SCHEDULE.name} = ${quote(options.schedule)}`);
  // a terminated job keeps the status it last set (Running, Waiting): only open workflows run or wait
  if (options.status === 'Running' || options.status === 'Waiting')
    clauses.push(`ExecutionStatus = "Running"`);
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
      const attributes = info.typedSearchAttributes;
      const schedule = attributes.get(SCHEDULE);
      const rerunOf = attributes.get(RERUN_OF);
      return {
        tenant: attributes.get(TENANT) ?? options.tenant,
        // a scheduled job sets its id when it starts: before that, it follows from its workflow id
        jobId:
          attributes.get(JOB_ID) ??
          (schedule ? scheduledJobId(schedule, info.workflowId, info.startTime) : info.workflowId),
        workflowId: info.workflowId,
        status: statusOf(info.status.name, attributes.get(JOB_STATUS)),
        startedAt: info.startTime.toISOString(),
        closedAt: info.closeTime?.toISOString(),
        memo: info.memo,
        ...(schedule && { schedule }),
        ...(rerunOf && { rerunOf }),
      };
    }),
  );
  const token = response.nextPageToken?.length
    ? Buffer.from(response.nextPageToken).toString('base64url')
    : undefined;
  return { jobs, nextPageToken: token };
}

/** The reruns of a job (at most 100, latest first), by their AciBatchRerunOf search attribute. */
export async function listReruns(client: Client, ref: JobRef): Promise<RerunItem[]> {
  const query = [
    `WorkflowType = "batchJob"`,
    `${TENANT.name} = ${quote(ref.tenant)}`,
    `${RERUN_OF.name} = ${quote(ref.jobId)}`,
  ].join(' AND ');
  const reruns: RerunItem[] = [];
  for await (const info of client.workflow.list({ query, pageSize: 100 })) {
    const attributes = info.typedSearchAttributes;
    reruns.push({
      jobId: attributes.get(JOB_ID) ?? info.workflowId,
      status: statusOf(info.status.name, attributes.get(JOB_STATUS)),
      startedAt: info.startTime.toISOString(),
    });
    if (reruns.length === 100) break;
  }
  return reruns;
}

/**
 * The job's own status word, except for a workflow that closed without setting one (terminated, timed out): its
 * last word was Running (or Waiting), the truth is how it closed.
 */
export function statusOf(workflowStatus: WorkflowStatusName, jobStatus: string | undefined): string {
  const open = jobStatus === 'Running' || jobStatus === 'Waiting';
  if (jobStatus && !(open && workflowStatus !== 'RUNNING')) return jobStatus;
  return jobStateOf(workflowStatus);
}

/** A string literal of Temporal's list-filter language. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
