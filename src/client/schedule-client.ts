/**
 * Recurring jobs on Temporal Schedules: create, read, list, update, pause and resume with a note, trigger now,
 * backfill a time range, delete. A tenant's schedule is `<tenant>.schedule.<name>`; its action starts
 * `batchJob` with the workflow id `<tenant>.<name>`, to which Temporal appends the fire time
 * (`-2026-11-24T02:00:00Z`), and the job takes the id `<name>-<yyyymmddhhmmss>` from it: each firing is one job,
 * never two. Schedules and their jobs carry the tenant's search attributes (and AciBatchSchedule), so they show
 * in the Web UI under the tenant's queries.
 *
 * The schedule as written (cron text, time zone, overlap, ...) is kept in its action's memo, beside the job
 * spec in the action's arguments: describe gives back what was written, and an update starts from it.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError as TemporalScheduleNotFound,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { instanceCount, JobSpecError } from '../shared/job-spec';
import { scheduledJobId, scheduledWorkflowIdBase, scheduleId } from '../shared/names';
import {
  parseScheduleSpec,
  ScheduleSpecError,
  timingOf,
  type OverlapPolicy,
  type ScheduleSpec,
  type ScheduleTiming,
} from '../shared/schedule-spec';
import { JOB_STATUS, SCHEDULE, TENANT } from '../shared/search-attributes';
import { jobDetails } from '../shared/summaries';
import type { BatchJobInput } from '../workflows/inputs';
import { ScheduleExistsError, ScheduleNotFoundError } from './errors';
import { jobMemo, type JobClient, type OperationOptions } from './job-client';
import type { ScheduleRef } from './job-ref';

/** A firing: the job it started. */
export interface ScheduledRun {
  jobId: string;
  workflowId: string;
  /** the fire time (without jitter: the time in the job's id) */
  scheduledAt: string;
  /** when Temporal started the job */
  startedAt: string;
}

/** A schedule as it stands now. */
export interface ScheduleView {
  ref: ScheduleRef;
  scheduleId: string;
  /** the schedule as written, its job included */
  schedule: ScheduleSpec;
  paused: boolean;
  note?: string;
  /** the next fire times (Temporal computes up to 10) */
  nextRuns: string[];
  /** the latest firings, oldest first */
  recentRuns: ScheduledRun[];
  /** jobs it started that still run */
  runningJobs: string[];
  counts: { started: number; skippedForOverlap: number; missedCatchupWindow: number };
  createdAt: string;
  updatedAt?: string;
}

/** A schedule as the list shows it. */
export interface ScheduleListItem {
  name: string;
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  /** the job of the latest firing */
  lastJobId?: string;
}

export interface BackfillOptions extends OperationOptions {
  /** fire as if the schedule had run over [start, end] */
  start: Date;
  end: Date;
  /** for these firings only; default the schedule's */
  overlap?: OverlapPolicy;
}

/** Our overlap names, Temporal's. */
const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  Skip: ScheduleOverlapPolicy.SKIP,
  BufferOne: ScheduleOverlapPolicy.BUFFER_ONE,
  BufferAll: ScheduleOverlapPolicy.BUFFER_ALL,
  CancelPrevious: ScheduleOverlapPolicy.CANCEL_OTHER,
  TerminatePrevious: ScheduleOverlapPolicy.TERMINATE_OTHER,
  AllowAll: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** The memo key under which the action keeps the schedule's timing as written. */
const TIMING_MEMO = 'schedule';

/**
 * `new ScheduleClient(jobs)`: over a job client, whose task queue the schedules start their jobs on and whose
 * settings (how containers report back, prices) their jobs carry, as the jobs the job client submits.
 */
export class ScheduleClient {
  constructor(private readonly jobs: JobClient) {}

  private get options(): JobClient['options'] {
    return this.jobs.options;
  }

  private get temporal(): Client {
    return this.jobs.temporal;
  }

  /** Creates the schedule; ScheduleExistsError when the tenant has one of that name. */
  async create(schedule: ScheduleSpec, options: OperationOptions = {}): Promise<ScheduleView> {
    const ref = { tenant: schedule.tenant, name: schedule.name };
    await this.checkJob(schedule, options);
    try {
      await this.call(options, () =>
        this.temporal.schedule.create({
          scheduleId: scheduleId(ref.tenant, ref.name),
          ...this.definition(schedule),
          typedSearchAttributes: [
            { key: TENANT, value: ref.tenant },
            { key: SCHEDULE, value: ref.name },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning) throw new ScheduleExistsError(ref);
      throw refusal(error, schedule);
    }
    return this.get(ref, options);
  }

  /** The schedule as written, its state, its next and latest firings. */
  async get(ref: ScheduleRef, options: OperationOptions = {}): Promise<ScheduleView> {
    const description = await this.guard(ref, () => this.handle(ref).describe(), options);
    return viewOf(ref, description);
  }

  /** The tenant's schedules (from visibility: a schedule just created may take a second to show). */
  async list(tenant: string, options: OperationOptions = {}): Promise<ScheduleListItem[]> {
    const prefix = scheduleId(tenant, '');
    const items: ScheduleListItem[] = [];
    await this.call(options, async () => {
      for await (const summary of this.temporal.schedule.list({
        query: `${TENANT.name} = "${tenant}"`,
      })) {
        if (!summary.scheduleId.startsWith(prefix)) continue;
        const name = summary.scheduleId.slice(prefix.length);
        const last = summary.info.recentActions.at(-1);
        items.push({
          name,
          scheduleId: summary.scheduleId,
          paused: summary.state.paused,
          ...(summary.state.note && { note: summary.state.note }),
          nextRuns: summary.info.nextActionTimes.slice(0, 3).map((time) => time.toISOString()),
          ...(last && {
            lastJobId: scheduledJobId(name, last.action.workflow.workflowId, last.scheduledAt),
          }),
        });
      }
    });
    return items.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Replaces the schedule's definition (timing, policies, state and job) with `schedule`. */
  async update(
    ref: ScheduleRef,
    schedule: ScheduleSpec,
    options: OperationOptions = {},
  ): Promise<ScheduleView> {
    await this.checkJob(schedule, options);
    const definition = this.definition(schedule);
    try {
      await this.guard(
        ref,
        () =>
          this.handle(ref).update((): ScheduleUpdateOptions => ({
            ...definition,
            state: { paused: definition.state.paused, note: definition.state.note },
          })),
        options,
      );
    } catch (error) {
      throw refusal(error, schedule);
    }
    return this.get(ref, options);
  }

  /**
   * The schedule with `patch` applied: top-level fields replace the written ones (a job given replaces the
   * whole job; cron replaces every and offset, and every replaces cron). Throws ScheduleSpecError.
   */
  async patch(
    ref: ScheduleRef,
    patch: Record<string, unknown>,
    options: OperationOptions = {},
  ): Promise<ScheduleView> {
    const current = (await this.get(ref, options)).schedule;
    const merged: Record<string, unknown> = { ...current, ...patch, tenant: ref.tenant, name: ref.name };
    if (patch.cron !== undefined) {
      delete merged.every;
      delete merged.offset;
    }
    if (patch.every !== undefined) delete merged.cron;
    if (patch.job === undefined) merged.job = stripTenant(current.job);
    return this.update(ref, parseScheduleSpec(merged), options);
  }

  /** No firings until resumed; the note says why (shown by describe and in the Web UI). */
  async pause(ref: ScheduleRef, note?: string, options: OperationOptions = {}): Promise<ScheduleView> {
    await this.guard(ref, () => this.handle(ref).pause(note ?? 'paused with aci-batch'), options);
    return this.get(ref, options);
  }

  async resume(ref: ScheduleRef, note?: string, options: OperationOptions = {}): Promise<ScheduleView> {
    await this.guard(ref, () => this.handle(ref).unpause(note ?? 'resumed with aci-batch'), options);
    return this.get(ref, options);
  }

  /** Fires now (paused or not), under the schedule's overlap policy unless `overlap` says otherwise. */
  async trigger(ref: ScheduleRef, overlap?: OverlapPolicy, options: OperationOptions = {}): Promise<void> {
    await this.guard(ref, () => this.handle(ref).trigger(overlap && OVERLAP[overlap]), options);
  }

  /** Fires for every time the schedule would have fired in [start, end], as if that time passed now. */
  async backfill(ref: ScheduleRef, backfill: BackfillOptions): Promise<void> {
    await this.guard(
      ref,
      () =>
        this.handle(ref).backfill({
          start: backfill.start,
          end: backfill.end,
          ...(backfill.overlap && { overlap: OVERLAP[backfill.overlap] }),
        }),
      backfill,
    );
  }

  /** Deletes the schedule: no more firings. Jobs it started run on (cancel them as jobs). */
  async delete(ref: ScheduleRef, options: OperationOptions = {}): Promise<void> {
    await this.guard(ref, () => this.handle(ref).delete(), options);
  }

  handle(ref: ScheduleRef): ScheduleHandle {
    return this.temporal.schedule.getHandle(scheduleId(ref.tenant, ref.name));
  }

  /** The schedule's Temporal definition: when, what (the job), how (policies), and its state. */
  private definition(schedule: ScheduleSpec) {
    const { tenant, name, job } = schedule;
    const input: BatchJobInput = { spec: job, settings: this.options.settings, schedule: { name } };
    const when: ScheduleOptions['spec'] = {
      ...(schedule.cron !== undefined
        ? { cronExpressions: [schedule.cron] }
        : {
            intervals: [
              { every: schedule.every!, ...(schedule.offset !== undefined && { offset: schedule.offset }) },
            ],
          }),
      timezone: schedule.timeZone,
      ...(schedule.startAt && { startAt: new Date(schedule.startAt) }),
      ...(schedule.endAt && { endAt: new Date(schedule.endAt) }),
    };
    return {
      spec: when,
      action: {
        type: 'startWorkflow' as const,
        workflowType: 'batchJob',
        workflowId: scheduledWorkflowIdBase(tenant, name),
        taskQueue: this.options.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: TENANT, value: tenant },
          { key: SCHEDULE, value: name },
          { key: JOB_STATUS, value: job.dependsOn ? 'Waiting' : 'Running' },
        ],
        memo: { ...jobMemo(job), [TIMING_MEMO]: timingOf(schedule) },
        staticSummary: `${tenant}/${name} (scheduled): ${instanceCount(job)} × ${job.image} (${job.cpu} vCPU, ${job.memoryGB} GB, ${job.region})`,
        staticDetails: jobDetails(job, `${name}-<yyyymmddhhmmss>`),
      },
      policies: { overlap: OVERLAP[schedule.overlap], catchupWindow: schedule.catchupWindow },
      state: { paused: schedule.paused, ...(schedule.note !== undefined && { note: schedule.note }) },
    };
  }

  /** A schedule's job may depend only on jobs already submitted, as any job. */
  private async checkJob(schedule: ScheduleSpec, options: OperationOptions): Promise<void> {
    const dependsOn = schedule.job.dependsOn;
    if (!dependsOn) return;
    try {
      await this.jobs.checkDependencies(schedule.tenant, dependsOn.jobs, undefined, options);
    } catch (error) {
      if (!(error instanceof JobSpecError)) throw error;
      const problems = error.problems.map((problem) => ({ ...problem, path: `job.${problem.path}` }));
      throw new ScheduleSpecError(
        `Invalid schedule:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
        problems,
      );
    }
  }

  private async guard<T>(ref: ScheduleRef, fn: () => Promise<T>, options: OperationOptions): Promise<T> {
    try {
      return await this.call(options, fn);
    } catch (error) {
      if (error instanceof TemporalScheduleNotFound) throw new ScheduleNotFoundError(ref);
      if (isGrpcServiceError(error) && error.code === GrpcStatus.NOT_FOUND)
        throw new ScheduleNotFoundError(ref);
      throw error;
    }
  }

  private call<R>(options: OperationOptions, fn: () => Promise<R>): Promise<R> {
    return options.abortSignal ? this.temporal.withAbortSignal(options.abortSignal, fn) : fn();
  }
}

function viewOf(ref: ScheduleRef, description: ScheduleDescription): ScheduleView {
  const action = description.action;
  const input = action.args?.[0] as BatchJobInput | undefined;
  const timing = action.memo?.[TIMING_MEMO] as ScheduleTiming | undefined;
  const schedule = {
    tenant: ref.tenant,
    name: ref.name,
    ...(timing ?? timingFromDescription(description)),
    paused: description.state.paused,
    ...(description.state.note && { note: description.state.note }),
    job: input?.spec,
  } as ScheduleSpec;
  const { info } = description;
  return {
    ref,
    scheduleId: description.scheduleId,
    schedule,
    paused: description.state.paused,
    ...(description.state.note && { note: description.state.note }),
    nextRuns: info.nextActionTimes.map((time) => time.toISOString()),
    recentRuns: info.recentActions.map((run) => ({
      jobId: scheduledJobId(ref.name, run.action.workflow.workflowId, run.scheduledAt),
      workflowId: run.action.workflow.workflowId,
      scheduledAt: run.scheduledAt.toISOString(),
      startedAt: run.takenAt.toISOString(),
    })),
    runningJobs: info.runningActions.map((running) =>
      scheduledJobId(ref.name, running.workflow.workflowId, new Date(0)),
    ),
    counts: {
      started: info.numActionsTaken,
      skippedForOverlap: info.numActionsSkippedOverlap,
      missedCatchupWindow: info.numActionsMissedCatchupWindow,
    },
    createdAt: info.createdAt.toISOString(),
    ...(info.lastUpdatedAt && { updatedAt: info.lastUpdatedAt.toISOString() }),
  };
}

/** A schedule made outside aci-batch has no written timing: what Temporal says, as near as it goes. */
function timingFromDescription(description: ScheduleDescription): ScheduleTiming {
  const overlap = (Object.entries(OVERLAP).find(([, value]) => value === description.policies.overlap)?.[0] ??
    'Skip') as OverlapPolicy;
  const interval = description.spec.intervals?.[0];
  return {
    ...(interval ? { every: `${interval.every}ms` as ScheduleTiming['every'] } : {}),
    timeZone: description.spec.timezone ?? 'UTC',
    overlap,
    catchupWindow: `${description.policies.catchupWindow}ms` as ScheduleTiming['catchupWindow'],
  };
}

/** The job as written back into a schedule: the schedule gives it its tenant. */
function stripTenant(job: ScheduleSpec['job']): Record<string, unknown> {
  const { tenant: _tenant, ...rest } = job;
  return rest;
}

/**
 * Temporal refused the definition (a cron field out of range, say, "Minute is not in range [0-59]"): a
 * ScheduleSpecError. The SDK turns the server's "Invalid schedule spec" answer (INVALID_ARGUMENT) into a
 * TypeError with the server's text, and wraps any other answer in a ServiceError with the gRPC error as cause.
 */
function refusal(error: unknown, schedule: ScheduleSpec): unknown {
  const invalid = (e: unknown) =>
    isGrpcServiceError(e) && e.code === GrpcStatus.INVALID_ARGUMENT ? e.details || e.message : undefined;
  const text =
    error instanceof TypeError
      ? error.message
      : (invalid(error) ?? (error instanceof Error ? invalid(error.cause) : undefined));
  if (text === undefined) return error;
  const path = /time ?zone/i.test(text) ? 'timeZone' : schedule.cron !== undefined ? 'cron' : '(schedule)';
  const problem = { path, message: `Temporal refused it: ${text}` };
  return new ScheduleSpecError(`Invalid schedule:\n  ${problem.path}: ${problem.message}`, [problem]);
}
