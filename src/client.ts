/**
 * The library the CLI and the HTTP API use to talk to jobs: submit, report on a run's behalf, follow,
 * cancel, and read results. A job's workflow id comes from its tenant and job id, so submitting the same job
 * twice returns the first submission instead of starting a second.
 */
import { randomBytes } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { z } from 'zod';
import { loadTemporalConfig, parseEnv } from './config';
import { instanceCount, parseJobSpec, type JobSpec } from './shared/job-spec';
import {
  completionSignal,
  jobStatusQuery,
  runProgressQuery,
  type CompletionReport,
  type JobOutcome,
  type JobStatus,
  type JobSummary,
  type RunResult,
} from './shared/messages';
import { jobWorkflowId, runWorkflowId } from './shared/names';
import { DEFAULT_ACI_PRICES, roundUsd } from './shared/pricing';
import { JOB_ID, JOB_STATUS, TENANT } from './shared/search-attributes';
import { jobDetails, jobSummary } from './shared/summaries';
import type { batchJob } from './workflows/batchJob';
import type { containerRun } from './workflows/containerRun';
import type { JobSettings } from './workflows/inputs';

export type JobHandle = WorkflowHandle<typeof batchJob>;

export interface StartJobOptions {
  taskQueue: string;
  /** how containers report back, and prices; see loadJobSettings */
  settings?: JobSettings;
}

export interface StartedJob {
  handle: JobHandle;
  tenant: string;
  jobId: string;
  workflowId: string;
  /** false when the job had been submitted before: `handle` is that submission */
  started: boolean;
}

/**
 * Validates the spec (throws JobSpecError listing every problem), gives it a readable job id when it has
 * none, and starts the job's workflow, unless a workflow with the same tenant and job id exists, running or
 * closed: then its handle is returned with `started: false`.
 */
export async function startJob(
  client: Client,
  specInput: unknown,
  options: StartJobOptions,
): Promise<StartedJob> {
  const spec = parseJobSpec(withJobId(specInput));
  const jobId = spec.jobId!;
  const workflowId = jobWorkflowId(spec.tenant, jobId);
  const job = { tenant: spec.tenant, jobId, workflowId };
  try {
    const handle = await client.workflow.start<typeof batchJob>('batchJob', {
      taskQueue: options.taskQueue,
      workflowId,
      // the validated spec, defaults filled in: its meaning is fixed at submission
      args: [{ spec, settings: options.settings }],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: TENANT, value: spec.tenant },
        { key: JOB_ID, value: jobId },
        { key: JOB_STATUS, value: 'Running' },
      ],
      memo: jobMemo(spec),
      // what the Web UI and `temporal workflow describe` show for the job
      staticSummary: jobSummary(spec, jobId),
      staticDetails: jobDetails(spec, jobId),
    });
    return { ...job, handle, started: true };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { ...job, handle: client.workflow.getHandle<typeof batchJob>(workflowId), started: false };
  }
}

/** Shown in the Web UI next to the job; never the environment (it may hold secrets). */
function jobMemo(spec: JobSpec): Record<string, unknown> {
  return {
    image: spec.image,
    instances: instanceCount(spec),
    cpu: spec.cpu,
    memoryGB: spec.memoryGB,
    region: spec.region,
    maxParallel: spec.maxParallel,
    // where its groups are, for readers of live logs (absent: the worker's default resource group)
    resourceGroup: spec.resourceGroup,
  };
}

function withJobId(specInput: unknown): unknown {
  if (typeof specInput !== 'object' || specInput === null || Array.isArray(specInput)) return specInput;
  const spec = specInput as Record<string, unknown>;
  return spec.jobId === undefined ? { ...spec, jobId: generateJobId() } : spec;
}

/** e.g. "20261124-051502-k3f9x": sortable by submission time, unique enough to never collide in practice. */
export function generateJobId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = BigInt(`0x${randomBytes(4).toString('hex')}`)
    .toString(36)
    .padStart(5, '0')
    .slice(-5);
  return `${stamp}-${suffix}`;
}

export function getJobHandle(client: Client, tenant: string, jobId: string): JobHandle {
  return client.workflow.getHandle<typeof batchJob>(jobWorkflowId(tenant, jobId));
}

export function getRunHandle(
  client: Client,
  tenant: string,
  jobId: string,
  index: number,
): WorkflowHandle<typeof containerRun> {
  return client.workflow.getHandle<typeof containerRun>(runWorkflowId(tenant, jobId, index));
}

/** Delivers a container's completion report to its run (what the HTTP callback endpoint does for it). */
export async function signalRun(
  client: Client,
  tenant: string,
  jobId: string,
  index: number,
  report: CompletionReport,
): Promise<void> {
  await getRunHandle(client, tenant, jobId, index).signal(completionSignal, report);
}

/** Running instances asked for their live phase and progress, at most this many per status read. */
export const LIVE_PROGRESS_LIMIT = 50;

/**
 * The job's status. The job itself knows which instances are pending, running or finished; with
 * `liveProgress` (the default) the running ones (up to LIVE_PROGRESS_LIMIT) are asked for their phase and
 * percent, which the job does not track (it would cost history).
 */
export async function getJobStatus(
  client: Client,
  tenant: string,
  jobId: string,
  options: { liveProgress?: boolean } = {},
): Promise<JobStatus> {
  const status = await getJobHandle(client, tenant, jobId).query(jobStatusQuery);
  if (options.liveProgress === false) return status;
  const running = status.instances
    .filter((instance) => instance.phase === 'Running')
    .slice(0, LIVE_PROGRESS_LIMIT);
  await Promise.all(
    running.map(async (instance) => {
      try {
        const progress = await getRunHandle(client, tenant, jobId, instance.index).query(runProgressQuery);
        instance.phase = progress.phase;
        instance.percent = progress.percent;
      } catch {
        // the run just finished or has not started yet: the job's own view stands
      }
    }),
  );
  const partial = running.reduce((sum, instance) => sum + (instance.percent ?? 0), 0);
  const finished = status.total - status.counts.pending - status.counts.running;
  status.percent = Math.floor((finished * 100 + partial) / status.total);
  return status;
}

export async function cancelJob(client: Client, tenant: string, jobId: string): Promise<void> {
  await getJobHandle(client, tenant, jobId).cancel();
}

/** Waits for the job to end (following continue-as-new) and returns its summary. */
export function getJobResult(client: Client, tenant: string, jobId: string): Promise<JobSummary> {
  return getJobHandle(client, tenant, jobId).result();
}

/** Where a job stands without waiting: its workflow's status and, once it has ended with one, its summary. */
export interface JobOutcomeView {
  /** RUNNING while it runs; TERMINATED or TIMED_OUT end it without a summary */
  workflowStatus: WorkflowExecutionStatusName;
  summary?: JobSummary;
}

/** Throws WorkflowNotFoundError when there is no such job. */
export async function getJobOutcome(client: Client, tenant: string, jobId: string): Promise<JobOutcomeView> {
  const handle = getJobHandle(client, tenant, jobId);
  const { status } = await handle.describe();
  if (status.name !== 'COMPLETED') return { workflowStatus: status.name };
  return { workflowStatus: status.name, summary: await handle.result() };
}

/** One instance's result, with its log tail (the job summary leaves log tails out). */
export function getRunResult(
  client: Client,
  tenant: string,
  jobId: string,
  index: number,
): Promise<RunResult> {
  return getRunHandle(client, tenant, jobId, index).result();
}

const jobSettingsEnv = z.object({
  ACI_BATCH_CALLBACK_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) base URL of the callback API' })
    .optional(),
  ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port as seen from inside the containers')
    .optional(),
  ACI_BATCH_CONTAINER_TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  ACI_PRICE_VCPU_HOUR_USD: z.coerce.number().min(0).default(DEFAULT_ACI_PRICES.vcpuHourUsd),
  ACI_PRICE_MEMORY_GB_HOUR_USD: z.coerce.number().min(0).default(DEFAULT_ACI_PRICES.memoryGbHourUsd),
});

/** The variables loadJobSettings reads (besides TEMPORAL_NAMESPACE). */
export const JOB_SETTINGS_ENV_VARS: readonly string[] = Object.keys(jobSettingsEnv.shape);

/**
 * Job settings from the submitter's environment (the CLI's or the API's): the callback base URL, or the
 * Temporal address containers signal directly, and the prices. Throws ConfigError naming each bad variable.
 */
export function loadJobSettings(env: NodeJS.ProcessEnv = process.env): JobSettings {
  const parsed = parseEnv(jobSettingsEnv, env);
  const address = parsed.ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS;
  const namespace = parsed.ACI_BATCH_CONTAINER_TEMPORAL_NAMESPACE ?? loadTemporalConfig(env).namespace;
  return {
    callbackBaseUrl: parsed.ACI_BATCH_CALLBACK_BASE_URL,
    temporal: address ? { address, namespace } : undefined,
    prices: {
      vcpuHourUsd: parsed.ACI_PRICE_VCPU_HOUR_USD,
      memoryGbHourUsd: parsed.ACI_PRICE_MEMORY_GB_HOUR_USD,
    },
  };
}

export interface JobListFilter {
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

/**
 * A page of one tenant's jobs through Temporal visibility (newest first), filtered by status and start time.
 * Only batchJob workflows: the runs carry the tenant's search attributes too.
 */
export async function listJobs(
  client: Client,
  filter: JobListFilter,
): Promise<{ jobs: JobListItem[]; nextPageToken?: string }> {
  const clauses = [`WorkflowType = "batchJob"`, `${TENANT.name} = ${quote(filter.tenant)}`];
  if (filter.status) clauses.push(`${JOB_STATUS.name} = ${quote(filter.status)}`);
  if (filter.startedAfter) clauses.push(`StartTime >= ${quote(filter.startedAfter.toISOString())}`);
  if (filter.startedBefore) clauses.push(`StartTime < ${quote(filter.startedBefore.toISOString())}`);
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: clauses.join(' AND '),
    pageSize: filter.pageSize ?? 50,
    nextPageToken: filter.pageToken ? Buffer.from(filter.pageToken, 'base64url') : undefined,
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
        tenant: info.typedSearchAttributes.get(TENANT) ?? filter.tenant,
        jobId: info.typedSearchAttributes.get(JOB_ID) ?? info.workflowId,
        workflowId: info.workflowId,
        status: info.typedSearchAttributes.get(JOB_STATUS) ?? info.status.name,
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

/** A string literal of Temporal's list-filter language. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

export interface CostFilter {
  tenant: string;
  /** jobs started at or after / before this time */
  startedAfter?: Date;
  startedBefore?: Date;
}

export interface JobCost {
  jobId: string;
  outcome: JobOutcome;
  startedAt: string;
  finishedAt: string;
  instances: number;
  billedSeconds: number;
  costUsd: number;
}

export interface TenantCost {
  tenant: string;
  /** the jobs that ended with a summary, newest first */
  jobs: JobCost[];
  /** job ids still running: their cost is known when they end */
  running: string[];
  /** job ids that ended without a summary (terminated, timed out): their cost is unknown */
  unpriced: string[];
  billedSeconds: number;
  costUsd: number;
}

/** Summaries read at once while adding up a tenant's cost; bounded so a long period does not flood the server. */
const COST_READ_CONCURRENCY = 16;

/** What a tenant's jobs started in a period cost, from their summaries (every page of the list). */
export async function getTenantCost(client: Client, filter: CostFilter): Promise<TenantCost> {
  const listed: JobListItem[] = [];
  let pageToken: string | undefined;
  do {
    const page = await listJobs(client, { ...filter, pageSize: 200, pageToken });
    listed.push(...page.jobs);
    pageToken = page.nextPageToken;
  } while (pageToken);

  const cost: TenantCost = {
    tenant: filter.tenant,
    jobs: [],
    running: listed.filter((job) => job.closedAt === undefined).map((job) => job.jobId),
    unpriced: [],
    billedSeconds: 0,
    costUsd: 0,
  };
  const closed = listed.filter((job) => job.closedAt !== undefined).map((job) => job.jobId);
  for (let from = 0; from < closed.length; from += COST_READ_CONCURRENCY) {
    const batch = closed.slice(from, from + COST_READ_CONCURRENCY);
    const outcomes = await Promise.all(batch.map((jobId) => getJobOutcome(client, filter.tenant, jobId)));
    batch.forEach((jobId, i) => {
      const summary = outcomes[i]?.summary;
      if (!summary) {
        cost.unpriced.push(jobId);
        return;
      }
      cost.jobs.push({
        jobId,
        outcome: summary.outcome,
        startedAt: summary.startedAt,
        finishedAt: summary.finishedAt,
        instances: summary.total,
        billedSeconds: summary.billedSeconds,
        costUsd: summary.costUsd,
      });
      cost.billedSeconds += summary.billedSeconds;
      cost.costUsd = roundUsd(cost.costUsd + summary.costUsd);
    });
  }
  return cost;
}
