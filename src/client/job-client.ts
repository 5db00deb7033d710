/**
 * The job client: what the API, the CLI, the demo and the tests use to submit jobs and read them back. One
 * small class over a Temporal client, addressing jobs by `JobRef` and taking an options object per call, in
 * the Azure SDK's `<operation>Options` style (`abortSignal` where a call can wait).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { rootCause } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { instanceCount, JobSpecError, type JobSpec, type SubmittedJobSpec } from '../shared/job-spec';
import type { JobSettings } from '../shared/job-settings';
import {
  jobStatusQuery,
  runProgressQuery,
  type JobOutcome,
  type JobStatus,
  type JobSummary,
  type RunProgress,
  type RunResult,
  type RunSummary,
} from '../shared/messages';
import { containerGroupName, jobWorkflowId, runWorkflowId, scheduledJobWorkflowId } from '../shared/names';
import { readRecord, rowFromRecord, type CompactRun, type RowContext } from '../shared/run-records';
import { roundUsd } from '../shared/pricing';
import { JOB_ID, JOB_STATUS, RERUN_OF, SCHEDULE, TENANT } from '../shared/search-attributes';
import { jobStateOf, type JobState, type WorkflowStatusName } from '../shared/statuses';
import { ledgerViewQuery, type LedgerView } from '../shared/capacity';
import type { RunStorageRef } from '../shared/storage';
import { jobDetails, jobSummary } from '../shared/summaries';
import { batchJob } from '../workflows/batchJob';
import type { containerRun } from '../workflows/containerRun';
import { capMessage } from '../workflows/history-limits';
import type { BatchJobInput } from '../workflows/inputs';
import {
  isTemporalUnavailable,
  JobFinishedError,
  JobNotFinishedError,
  JobNotFoundError,
  NothingToRerunError,
  RunNotFoundError,
} from './errors';
import type { JobRef } from './job-ref';
import {
  listJobPage,
  listReruns,
  type JobListItem,
  type JobPage,
  type ListJobsOptions,
  type RerunItem,
} from './job-list';
import { instancesToRerun, MAX_RERUN_ATTEMPTS, rerunJobId, rerunSpec } from './rerun';

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
  /** once the job has ended, list its reruns (default true: one visibility query) */
  reruns?: boolean;
}

/** A job as it stands now. */
export interface JobView {
  ref: JobRef;
  /**
   * `Waiting` (for the jobs it depends on), `Running`, the job's outcome, or how its workflow closed without
   * one (Terminated, TimedOut)
   */
  state: JobState;
  workflowStatus: WorkflowStatusName;
  /** while it waits or runs: counts, percent, instances */
  status?: JobStatus;
  /** once it has ended with one: the summary with cost */
  summary?: JobSummary;
  /** the job this one reruns */
  rerunOf?: string;
  /** the schedule that started it */
  schedule?: string;
  /** once it has ended: the jobs that rerun it, latest first (found by their AciBatchRerunOf) */
  reruns?: RerunItem[];
}

export interface RerunOptions extends OperationOptions {
  /** the rerun's job id; default `<jobId>-rerun-<n>`, the first n not taken */
  jobId?: string;
}

export interface SubmittedRerun extends SubmittedJob {
  /** the original's instances it runs again, by index */
  instances: number[];
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

export interface RunPageOptions extends OperationOptions {
  /** the first row, by instance index order (default 0) */
  offset?: number;
  /** how many rows (default RUN_PAGE_DEFAULT, at most RUN_PAGE_MAX) */
  limit?: number;
  /** the job's summary, when the caller has read it already (saves reading it again) */
  summary?: JobSummary;
}

/** Some of an ended job's rows, as its summary would list them. */
export interface RunPage {
  ref: JobRef;
  /** how many rows the job has (one per instance) */
  total: number;
  offset: number;
  limit: number;
  /** the job's summary is paged: the rows were read from its runs */
  paged: boolean;
  /** by instance index */
  runs: RunSummary[];
  /** where the next page starts, while there is one */
  nextOffset?: number;
}

export const RUN_PAGE_DEFAULT = 100;
export const RUN_PAGE_MAX = 1000;
/** Runs read at once for a page of a paged summary. */
const RUN_READ_CONCURRENCY = 16;

/** Running instances asked for their live phase and progress, at most this many per status read. */
export const LIVE_PROGRESS_LIMIT = 50;
/** Summaries read at once while adding up a tenant's cost; bounded so a long period does not flood the server. */
const COST_READ_CONCURRENCY = 16;

export class JobClient {
  constructor(
    /** the Temporal client underneath, for what this class does not cover */
    readonly temporal: Client,
    /** where jobs start (task queue) and the settings they carry */
    readonly options: JobClientOptions,
  ) {}

  /**
   * Starts the job's workflow with the spec the edge parsed and gave a job id; the workflow validates it once
   * more. A job with the same tenant and job id, running or closed, is returned instead (`started: false`).
   */
  async submit(spec: SubmittedJobSpec, options: OperationOptions = {}): Promise<SubmittedJob> {
    const ref = { tenant: spec.tenant, jobId: spec.jobId };
    const workflowId = jobWorkflowId(ref.tenant, ref.jobId);
    if (spec.dependsOn) await this.checkDependencies(spec.tenant, spec.dependsOn.jobs, spec.jobId, options);
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
            { key: JOB_STATUS, value: spec.dependsOn ? 'Waiting' : 'Running' },
            ...(spec.rerunOf ? [{ key: RERUN_OF, value: spec.rerunOf }] : []),
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

  /**
   * A job may depend only on jobs of its tenant already submitted (so dependencies never form a cycle), and
   * not on itself (`jobId`): otherwise a JobSpecError naming each `dependsOn.jobs.<i>`.
   */
  async checkDependencies(
    tenant: string,
    dependencies: readonly string[],
    jobId: string | undefined,
    options: OperationOptions = {},
  ): Promise<void> {
    const problems: Array<{ path: string; message: string }> = [];
    await Promise.all(
      dependencies.map(async (dependency, i) => {
        const path = `dependsOn.jobs.${i}`;
        if (dependency === jobId) return problems.push({ path, message: 'a job cannot depend on itself' });
        try {
          await this.describeJob({ tenant, jobId: dependency }, options);
        } catch (error) {
          if (!(error instanceof JobNotFoundError)) throw error;
          problems.push({
            path,
            message: `no job ${tenant}/${dependency}: a job may depend only on jobs already submitted; submit it first`,
          });
        }
      }),
    );
    if (problems.length) {
      problems.sort((a, b) => a.path.localeCompare(b.path));
      throw new JobSpecError(
        `Invalid job spec:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
        problems,
      );
    }
  }

  /** The job's state; while it runs, its status (see `status`), once ended, its summary and its reruns. */
  async get(ref: JobRef, options: GetJobOptions = {}): Promise<JobView> {
    const { handle, description } = await this.describeJob(ref, options);
    const workflowStatus = description.status.name;
    const attributes = description.typedSearchAttributes;
    const origin = {
      ...(attributes.get(RERUN_OF) && { rerunOf: attributes.get(RERUN_OF) }),
      ...(attributes.get(SCHEDULE) && { schedule: attributes.get(SCHEDULE) }),
    };
    if (workflowStatus === 'RUNNING') {
      const status = await this.status(ref, options).catch((error: unknown) => {
        // it ended (or continued as new) between the two reads, or no worker answers the query right now:
        // the job runs, its status is unknown for the moment
        if (isTemporalUnavailable(error)) throw error;
        return undefined;
      });
      const state = status?.state === 'Waiting' ? 'Waiting' : 'Running';
      return { ref, state, workflowStatus, status, ...origin };
    }
    const summary =
      workflowStatus === 'COMPLETED' ? await this.call(options, () => handle.result()) : undefined;
    const reruns = options.reruns === false ? undefined : await this.reruns(ref, options);
    return {
      ref,
      state: jobStateOf(workflowStatus, summary?.outcome),
      workflowStatus,
      summary,
      ...origin,
      ...(reruns && { reruns }),
    };
  }

  /**
   * The jobs that rerun this one, from visibility (eventually consistent: a rerun just started may be missing
   * for a second). Undefined where the server has no visibility store (the time-skipping test server).
   */
  async reruns(ref: JobRef, options: OperationOptions = {}): Promise<RerunItem[] | undefined> {
    try {
      return await this.call(options, () => listReruns(this.temporal, ref));
    } catch (error) {
      const unimplemented = (e: unknown) => isGrpcServiceError(e) && e.code === GrpcStatus.UNIMPLEMENTED;
      // the SDK wraps the server's answer in a ServiceError
      if (unimplemented(error) || (error instanceof Error && unimplemented(error.cause))) return undefined;
      throw error;
    }
  }

  /**
   * Starts a new job with the instances of a finished job that failed, timed out or were cancelled, with
   * their per-instance parameters and their original indexes (see src/client/rerun.ts). Its job id is
   * `options.jobId`, else `<jobId>-rerun-<n>` with the first n not taken; it names the original in
   * `rerunOf` (and the AciBatchRerunOf search attribute). JobNotFinishedError while the job runs or when it
   * ended without a summary; NothingToRerunError when every instance succeeded.
   */
  async rerun(ref: JobRef, options: RerunOptions = {}): Promise<SubmittedRerun> {
    const view = await this.get(ref, { ...options, liveProgress: false, reruns: false });
    if (view.state === 'Waiting' || view.state === 'Running') throw new JobNotFinishedError(ref, view.state);
    if (!view.summary) {
      throw new JobNotFinishedError(
        ref,
        view.state,
        'it ended without a summary, so which instances failed is unknown; submit it again instead',
      );
    }
    const instances = instancesToRerun(view.summary);
    if (!instances.length) throw new NothingToRerunError(ref);
    const original = await this.startInput(ref, options);
    const spec = rerunSpec(original.spec, ref.jobId, instances);
    if (options.jobId !== undefined) {
      const submitted = await this.submit({ ...spec, jobId: options.jobId }, options);
      return { ...submitted, instances };
    }
    for (let attempt = 1; attempt <= MAX_RERUN_ATTEMPTS; attempt++) {
      const jobId = rerunJobId(ref.jobId, attempt);
      // taken ids are skipped without a start attempt: a describe is consistent, visibility is not
      if (await this.exists({ tenant: ref.tenant, jobId }, options)) continue;
      const submitted = await this.submit({ ...spec, jobId }, options);
      if (submitted.started) return { ...submitted, instances };
    }
    throw new Error(
      `Job ${ref.tenant}/${ref.jobId} has ${MAX_RERUN_ATTEMPTS} reruns already; name the next one.`,
    );
  }

  /** The input the job's (latest) workflow run was started with: its first history event. */
  private async startInput(ref: JobRef, options: OperationOptions): Promise<BatchJobInput> {
    const { handle } = await this.describeJob(ref, options);
    const response = await this.call(options, () =>
      this.temporal.workflowService.getWorkflowExecutionHistory({
        namespace: this.temporal.options.namespace,
        execution: { workflowId: handle.workflowId },
        maximumPageSize: 1,
      }),
    );
    const payloads = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    const [input] = await decodeArrayFromPayloads(
      this.temporal.workflow.options.loadedDataConverter,
      payloads,
    );
    if (!input) throw new Error(`The history of job ${ref.tenant}/${ref.jobId} has no input.`);
    return input as BatchJobInput & { spec: JobSpec };
  }

  private async exists(ref: JobRef, options: OperationOptions): Promise<boolean> {
    try {
      await this.describeJob(ref, options);
      return true;
    } catch (error) {
      if (error instanceof JobNotFoundError) return false;
      throw error;
    }
  }

  /**
   * The running job's status. The job knows which instances are pending, running or finished; with
   * `liveProgress` (the default) the running ones (up to LIVE_PROGRESS_LIMIT) are asked for their phase and
   * percent, which the job does not track (it would cost history).
   */
  async status(ref: JobRef, options: GetJobOptions = {}): Promise<JobStatus> {
    const handle = await this.resolveJobHandle(ref, options);
    const status = await this.call(options, () => handle.query(jobStatusQuery));
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
    const handle = await this.resolveJobHandle(ref, options);
    return this.call(options, () => handle.result());
  }

  /**
   * A page of an ended job's rows (RunSummary, by instance index): what its summary's `runs` lists, or, when
   * the summary is paged (more than SUMMARY_ROWS_MAX instances), read from its runs: each row is the run's own
   * result less its log tail, container result, archive and outputs, read RUN_READ_CONCURRENCY at a time;
   * instances never started or cancelled are described from the summary's records, and a run that failed
   * without a result by its failure. JobNotFinishedError while the job waits or runs, or when it ended without
   * a summary.
   */
  async runPage(ref: JobRef, options: RunPageOptions = {}): Promise<RunPage> {
    const summary = options.summary ?? (await this.endedSummary(ref, options));
    const offset = Math.max(0, Math.floor(options.offset ?? 0));
    const limit = Math.min(RUN_PAGE_MAX, Math.max(1, Math.floor(options.limit ?? RUN_PAGE_DEFAULT)));
    const page = (total: number, runs: RunSummary[]): RunPage => ({
      ref,
      total,
      offset,
      limit,
      paged: summary.runsPaged === true,
      runs,
      ...(offset + limit < total && { nextOffset: offset + limit }),
    });
    if (!summary.runsPaged) {
      const rows = [...summary.runs].sort((a, b) => a.instanceIndex - b.instanceIndex);
      return page(rows.length, rows.slice(offset, offset + limit));
    }
    const records = [...(summary.runRecords ?? [])].sort((a, b) => a[0] - b[0]);
    const wanted = records.slice(offset, offset + limit);
    const rows = await mapWithConcurrency(wanted, RUN_READ_CONCURRENCY, (record) =>
      this.rowOfRecord(summary, record, options),
    );
    return page(records.length, rows);
  }

  /** Every row of an ended job, page by page (a paged summary's from its runs: see runPage). */
  async allRuns(ref: JobRef, options: Omit<RunPageOptions, 'offset' | 'limit'> = {}): Promise<RunSummary[]> {
    const summary = options.summary ?? (await this.endedSummary(ref, options));
    const rows: RunSummary[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page: RunPage = await this.runPage(ref, { ...options, summary, offset, limit: RUN_PAGE_MAX });
      rows.push(...page.runs);
      offset = page.nextOffset;
    }
    return rows;
  }

  private async endedSummary(ref: JobRef, options: OperationOptions): Promise<JobSummary> {
    const view = await this.get(ref, { ...options, liveProgress: false, reruns: false });
    if (view.summary) return view.summary;
    throw new JobNotFinishedError(
      ref,
      view.state,
      view.state === 'Waiting' || view.state === 'Running'
        ? 'its runs are listed once it ends; its status has each instance meanwhile'
        : 'it ended without a summary; read its instances one by one',
    );
  }

  /** One row of a paged summary: from its run's result, or from its record (see runPage). */
  private async rowOfRecord(
    summary: JobSummary,
    record: CompactRun,
    options: OperationOptions,
  ): Promise<RunSummary> {
    const { instanceIndex, status, source } = readRecord(record);
    const context: RowContext = {
      groupName: containerGroupName(summary.tenant, summary.jobId, instanceIndex),
      finishedAt: summary.finishedAt,
      ...(summary.reason !== undefined && { reason: summary.reason }),
    };
    if (source === 'never-started' || source === 'cancelled') return rowFromRecord(record, context);
    const ref = { tenant: summary.tenant, jobId: summary.jobId };
    let result: RunResult;
    try {
      result = await this.call(options, () => this.runHandle(ref, instanceIndex).result());
    } catch (error) {
      if (source === 'failed' && error instanceof WorkflowFailedError) {
        const failure = capMessage(rootCause(error.cause) ?? error.message) ?? error.message;
        return rowFromRecord(record, { ...context, failure });
      }
      if (error instanceof WorkflowNotFoundError) {
        return rowFromRecord(record, { ...context, missing: RUN_GONE });
      }
      if (error instanceof WorkflowFailedError) {
        return rowFromRecord(record, { ...context, missing: RUN_DIFFERS });
      }
      throw error;
    }
    // the run's id names the job and the index: a run that ended otherwise than the job recorded is another's
    if (source !== 'result' || result.instanceIndex !== instanceIndex || result.status !== status) {
      return rowFromRecord(record, { ...context, missing: RUN_DIFFERS });
    }
    const { logTail: _logTail, result: _result, logArchive: _logArchive, outputs: _outputs, ...row } = result;
    return row;
  }

  async cancel(ref: JobRef, options: OperationOptions = {}): Promise<void> {
    const { handle, description } = await this.describeJob(ref, options);
    const workflowStatus = description.status.name;
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

  /**
   * The job's workflow: `<tenant>.<jobId>`, or for a scheduled job (`<name>-<yyyymmddhhmmss>`) the id its
   * schedule gave it, `<tenant>.<name>-<fire time>`. Sync: the likely id; the reads below confirm it.
   */
  jobHandle(ref: JobRef): WorkflowHandle<typeof batchJob> {
    return this.temporal.workflow.getHandle<typeof batchJob>(this.jobWorkflowIds(ref)[0]!);
  }

  /** Where the job's workflow may be, most likely first (a job submitted by hand before ids of the scheduled form were refused comes second). */
  private jobWorkflowIds(ref: JobRef): string[] {
    const known = this.resolved.get(jobWorkflowId(ref.tenant, ref.jobId));
    if (known) return [known];
    const scheduled = scheduledJobWorkflowId(ref.tenant, ref.jobId);
    const plain = jobWorkflowId(ref.tenant, ref.jobId);
    return scheduled ? [scheduled, plain] : [plain];
  }

  /** Job workflow ids found by describeJob, by `<tenant>.<jobId>` (a workflow id never changes). */
  private readonly resolved = new Map<string, string>();

  /** The job's workflow and its description; JobNotFoundError when there is none. */
  async describeJob(
    ref: JobRef,
    options: OperationOptions = {},
  ): Promise<{ handle: WorkflowHandle<typeof batchJob>; description: WorkflowExecutionDescription }> {
    for (const workflowId of this.jobWorkflowIds(ref)) {
      const handle = this.temporal.workflow.getHandle<typeof batchJob>(workflowId);
      try {
        const description = await this.call(options, () => handle.describe());
        this.resolved.set(jobWorkflowId(ref.tenant, ref.jobId), workflowId);
        return { handle, description };
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    throw new JobNotFoundError(ref);
  }

  /** The job's handle, confirmed by a describe only when its id is ambiguous (a scheduled job's form). */
  private async resolveJobHandle(
    ref: JobRef,
    options: OperationOptions,
  ): Promise<WorkflowHandle<typeof batchJob>> {
    const ids = this.jobWorkflowIds(ref);
    if (ids.length === 1) return this.temporal.workflow.getHandle<typeof batchJob>(ids[0]!);
    return (await this.describeJob(ref, options)).handle;
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

const RUN_GONE =
  "its run's result cannot be read any more (its history has passed the namespace's retention): billing as the job recorded it";
const RUN_DIFFERS =
  "its run's workflow has ended otherwise than the job recorded (its id was used again): billing as the job recorded it";

/** `fn` over `items`, at most `concurrency` at a time, the answers in the items' order. */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const answers = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      answers[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return answers;
}

/** Shown in the Web UI next to the job; never the environment (it may hold secrets). */
export function jobMemo(spec: JobSpec): Record<string, unknown> {
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
