/**
 * The job client: what the API, the CLI, the demo and the tests use to submit jobs and read them back. One
 * small class over a Temporal client, addressing jobs by `JobRef` and taking an options object per call, in
 * the Azure SDK's `<operation>Options` style (`abortSignal` where a call can wait).
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { instanceCount, type SubmittedJobSpec } from '../shared/job-spec';
import type { JobSettings } from '../shared/job-settings';
import {
  jobStatusQuery,
  runProgressQuery,
  type JobOutcome,
  type JobStatus,
  type JobSummary,
  type RunProgress,
  type RunResult,
} from '../shared/messages';
import { jobWorkflowId, runWorkflowId } from '../shared/names';
import { roundUsd } from '../shared/pricing';
import { JOB_ID, JOB_STATUS, TENANT } from '../shared/search-attributes';
import { jobStateOf, type JobState, type WorkflowStatusName } from '../shared/statuses';
import { ledgerViewQuery, type LedgerView } from '../shared/capacity';
import type { RunStorageRef } from '../shared/storage';
import { jobDetails, jobSummary } from '../shared/summaries';
import { batchJob } from '../workflows/batchJob';
import type { containerRun } from '../workflows/containerRun';
import { isTemporalUnavailable, JobFinishedError, JobNotFoundError, RunNotFoundError } from './errors';
import type { JobRef } from './job-ref';
import { listJobPage, type JobListItem, type JobPage, type ListJobsOptions } from './job-list';

export interface JobClientOptions {
  /** the task queue the workers poll */
  taskQueue: string;
  /** how containers report back, and prices (loadJobSettings); decided here, once per submission */
  settings?: JobSettings;
}

/** Options of every call: `abortSignal` stops waiting for the server. */
export interface OperationOptions {
  abortSignal?: AbortSignal;
}

export interface SubmittedJob {
  ref: JobRef;
  workflowId: string;
  /** false when the job had been submitted before: nothing new was started */
  started: boolean;
}

export interface GetJobOptions extends OperationOptions {
  /** ask running instances for their live phase and percent (default true; up to LIVE_PROGRESS_LIMIT) */
  liveProgress?: boolean;
}

/** A job as it stands now. */
export interface JobView {
  ref: JobRef;
  /** `Running`, the job's outcome, or how its workflow closed without one (Terminated, TimedOut) */
  state: JobState;
  workflowStatus: WorkflowStatusName;
  /** while it runs: counts, percent, instances */
  status?: JobStatus;
  /** once it has ended with one: the summary with cost */
  summary?: JobSummary;
}

/** One instance as it stands now: its live progress while it runs, its result once it has one. */
export interface RunView {
  ref: JobRef;
  instanceIndex: number;
  workflowStatus: WorkflowStatusName;
  progress?: RunProgress;
  result?: RunResult;
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
  /** the jobs that ended with a summary */
  jobs: JobCost[];
  /** job ids still running: their cost is known when they end */
  running: string[];
  /** job ids that ended without a summary (terminated, timed out): their cost is unknown */
  unpriced: string[];
  billedSeconds: number;
  costUsd: number;
}

export type CostOptions = Pick<ListJobsOptions, 'tenant' | 'startedAfter' | 'startedBefore'> &
  OperationOptions;

/** Running instances asked for their live phase and progress, at most this many per status read. */
export const LIVE_PROGRESS_LIMIT = 50;
/** Summaries read at once while adding up a tenant's cost; bounded so a long period does not flood the server. */
const COST_READ_CONCURRENCY = 16;

export class JobClient {
  constructor(
    /** the Temporal client underneath, for what this class does not cover */
    readonly temporal: Client,
    private readonly options: JobClientOptions,
  ) {}

  /**
   * Starts the job's workflow with the spec the edge parsed and gave a job id; the workflow validates it once
   * more. A job with the same tenant and job id, running or closed, is returned instead (`started: false`).
   */
  async submit(spec: SubmittedJobSpec, options: OperationOptions = {}): Promise<SubmittedJob> {
    const ref = { tenant: spec.tenant, jobId: spec.jobId };
    const workflowId = jobWorkflowId(ref.tenant, ref.jobId);
    try {
      await this.call(options, () =>
        this.temporal.workflow.start(batchJob, {
          taskQueue: this.options.taskQueue,
          workflowId,
          args: [{ spec, settings: this.options.settings }],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: TENANT, value: ref.tenant },
            { key: JOB_ID, value: ref.jobId },
            { key: JOB_STATUS, value: 'Running' },
          ],
          memo: jobMemo(spec),
          // what the Web UI and `temporal workflow describe` show for the job
          staticSummary: jobSummary(spec, ref.jobId),
          staticDetails: jobDetails(spec, ref.jobId),
        }),
      );
      return { ref, workflowId, started: true };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return { ref, workflowId, started: false };
    }
  }

  /** The job's state; while it runs, its status (see `status`), once ended, its summary. */
  async get(ref: JobRef, options: GetJobOptions = {}): Promise<JobView> {
    const handle = this.jobHandle(ref);
    const workflowStatus = await this.describe(handle, options, () => new JobNotFoundError(ref));
    if (workflowStatus === 'RUNNING') {
      const status = await this.status(ref, options).catch((error: unknown) => {
        // it ended (or continued as new) between the two reads, or no worker answers the query right now:
        // the job runs, its status is unknown for the moment
        if (isTemporalUnavailable(error)) throw error;
        return undefined;
      });
      return { ref, state: 'Running', workflowStatus, status };
    }
    const summary =
      workflowStatus === 'COMPLETED' ? await this.call(options, () => handle.result()) : undefined;
    return { ref, state: jobStateOf(workflowStatus, summary?.outcome), workflowStatus, summary };
  }

  /**
   * The running job's status. The job knows which instances are pending, running or finished; with
   * `liveProgress` (the default) the running ones (up to LIVE_PROGRESS_LIMIT) are asked for their phase and
   * percent, which the job does not track (it would cost history).
   */
  async status(ref: JobRef, options: GetJobOptions = {}): Promise<JobStatus> {
    const status = await this.call(options, () => this.jobHandle(ref).query(jobStatusQuery));
    status.counts.queued ??= 0; // jobs started before admission existed
    await this.markQueued(ref, status, options);
    if (options.liveProgress === false) return status;
    const running = status.instances
      .filter((instance) => instance.phase === 'Running')
      .slice(0, LIVE_PROGRESS_LIMIT);
    await Promise.all(
      running.map(async (instance) => {
        try {
          const progress = await this.call(options, () =>
            this.runHandle(ref, instance.index).query(runProgressQuery),
          );
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

  /**
   * The job's runs waiting for capacity, from its pool's ledger (one query for all of them): their phase
   * becomes Queued with their place and expected start, and they count as queued, not running.
   */
  private async markQueued(ref: JobRef, status: JobStatus, options: OperationOptions): Promise<void> {
    if (!status.capacity) return;
    const prefix = `${jobWorkflowId(ref.tenant, ref.jobId)}.`;
    let view: LedgerView;
    try {
      view = await this.call(options, () =>
        this.temporal.workflow
          .getHandle(status.capacity!.ledgerId)
          .query(ledgerViewQuery, { runIdPrefix: prefix }),
      );
    } catch (error) {
      if (isTemporalUnavailable(error)) throw error;
      return; // the ledger is restarting: the job's own view stands
    }
    const byIndex = new Map(status.instances.map((instance) => [instance.index, instance]));
    for (const queued of view.queued) {
      const instance = byIndex.get(Number(queued.runId.slice(prefix.length)));
      if (!instance || instance.phase === 'Pending') continue;
      instance.phase = 'Queued';
      instance.queuePosition = queued.position;
      instance.estimatedStartAt = new Date(queued.estimatedStartAt).toISOString();
      status.counts.queued++;
      status.counts.running--;
    }
  }

  /** Waits for the job to end (following continue-as-new) and returns its summary. */
  async result(ref: JobRef, options: OperationOptions = {}): Promise<JobSummary> {
    return this.call(options, () => this.jobHandle(ref).result());
  }

  /** Requests cancellation: every run removes its group, then the job ends `Cancelled`. */
  async cancel(ref: JobRef, options: OperationOptions = {}): Promise<void> {
    const handle = this.jobHandle(ref);
    const workflowStatus = await this.describe(handle, options, () => new JobNotFoundError(ref));
    if (workflowStatus !== 'RUNNING') throw new JobFinishedError(ref, jobStateOf(workflowStatus));
    await this.call(options, () => handle.cancel());
  }

  /** One instance: its live progress while it runs, its result (with the log tail) once it has one. */
  async getRun(ref: JobRef, instanceIndex: number, options: OperationOptions = {}): Promise<RunView> {
    const handle = this.runHandle(ref, instanceIndex);
    const workflowStatus = await this.describe(
      handle,
      options,
      () => new RunNotFoundError(ref, instanceIndex),
    );
    const view: RunView = { ref, instanceIndex, workflowStatus };
    if (workflowStatus === 'RUNNING')
      view.progress = await this.call(options, () => handle.query(runProgressQuery));
    if (workflowStatus === 'COMPLETED') view.result = await this.call(options, () => handle.result());
    return view;
  }

  /**
   * Where one instance's run keeps its log archive and outputs: its storage reference (the run's first run id
   * is its key). RunNotFoundError when the job has no such run (or another tenant's job is asked for).
   */
  async runStorage(
    ref: JobRef,
    instanceIndex: number,
    options: OperationOptions = {},
  ): Promise<RunStorageRef> {
    let firstRunId: string | undefined;
    try {
      const description = await this.call(options, () => this.runHandle(ref, instanceIndex).describe());
      firstRunId = description.raw.workflowExecutionInfo?.firstRunId ?? undefined;
    } catch (error) {
      throw error instanceof WorkflowNotFoundError ? new RunNotFoundError(ref, instanceIndex) : error;
    }
    if (!firstRunId) throw new RunNotFoundError(ref, instanceIndex);
    return { tenant: ref.tenant, jobId: ref.jobId, instanceIndex, runKey: firstRunId };
  }

  /** A page of the tenant's jobs, filtered by status and start time. */
  list(options: ListJobsOptions & OperationOptions): Promise<JobPage> {
    return this.call(options, () => listJobPage(this.temporal, options));
  }

  /** What a tenant's jobs started in a period cost, from their summaries (every page of the list). */
  async cost(options: CostOptions): Promise<TenantCost> {
    const listed: JobListItem[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.list({ ...options, pageSize: 200, pageToken });
      listed.push(...page.jobs);
      pageToken = page.nextPageToken;
    } while (pageToken);

    const cost: TenantCost = {
      tenant: options.tenant,
      jobs: [],
      running: listed.filter((job) => job.closedAt === undefined).map((job) => job.jobId),
      unpriced: [],
      billedSeconds: 0,
      costUsd: 0,
    };
    const closed = listed.filter((job) => job.closedAt !== undefined).map((job) => job.jobId);
    for (let from = 0; from < closed.length; from += COST_READ_CONCURRENCY) {
      const batch = closed.slice(from, from + COST_READ_CONCURRENCY);
      const views = await Promise.all(
        batch.map((jobId) =>
          this.get({ tenant: options.tenant, jobId }, { ...options, liveProgress: false }),
        ),
      );
      for (const { ref, summary } of views) {
        if (!summary) {
          cost.unpriced.push(ref.jobId);
          continue;
        }
        cost.jobs.push({
          jobId: ref.jobId,
          outcome: summary.outcome,
          startedAt: summary.startedAt,
          finishedAt: summary.finishedAt,
          instances: summary.total,
          billedSeconds: summary.billedSeconds,
          costUsd: summary.costUsd,
        });
        cost.billedSeconds += summary.billedSeconds;
        cost.costUsd = roundUsd(cost.costUsd + summary.costUsd);
      }
    }
    return cost;
  }

  jobHandle(ref: JobRef): WorkflowHandle<typeof batchJob> {
    return this.temporal.workflow.getHandle<typeof batchJob>(jobWorkflowId(ref.tenant, ref.jobId));
  }

  runHandle(ref: JobRef, instanceIndex: number): WorkflowHandle<typeof containerRun> {
    return this.temporal.workflow.getHandle<typeof containerRun>(
      runWorkflowId(ref.tenant, ref.jobId, instanceIndex),
    );
  }

  /** The workflow's status; `notFound()` when there is no such workflow. */
  private async describe(
    handle: WorkflowHandle,
    options: OperationOptions,
    notFound: () => Error,
  ): Promise<WorkflowStatusName> {
    try {
      return (await this.call(options, () => handle.describe())).status.name;
    } catch (error) {
      throw error instanceof WorkflowNotFoundError ? notFound() : error;
    }
  }

  private call<R>(options: OperationOptions, fn: () => Promise<R>): Promise<R> {
    return options.abortSignal ? this.temporal.withAbortSignal(options.abortSignal, fn) : fn();
  }
}

/** Shown in the Web UI next to the job; never the environment (it may hold secrets). */
function jobMemo(spec: SubmittedJobSpec): Record<string, unknown> {
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
