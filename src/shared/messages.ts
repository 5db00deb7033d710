/**
 * Signals and queries, defined once and shared by workflows, the client, the HTTP callback endpoint and the
 * container helper. (The Durable Functions sample this project replaces, github.com/sowsan/az-func-aci, waited
 * for "Job_Finished" while its only sender raised "Extractor_Finished": a shared definition makes that
 * impossible.)
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DependsOn, FailureReason, RuleAction } from './job-spec';
import type { CompactRun } from './run-records';
import type { LogArchiveResult, OutputsResult } from './storage';

export type CompletionStatus = 'Completed' | 'Failed';

/** Sent by the batch container (or the callback endpoint on its behalf) when its work ends. */
export interface CompletionReport {
  status: CompletionStatus;
  exitCode?: number;
  message?: string;
  /** a small JSON result (at most a few KiB) */
  result?: unknown;
  /** unique per report: a re-sent report with the same id is ignored */
  reportId: string;
  /**
   * the attempt the report is about (the `progress` query tells the container its attempt); a report for
   * another attempt is ignored. Without it, a report is accepted unless the run is restarting.
   */
  attempt?: number;
}

export interface ProgressReport {
  /** 0-100 */
  percent?: number;
  message?: string;
  reportId?: string;
  /** as in CompletionReport: progress of another attempt is ignored */
  attempt?: number;
}

export const completionSignal = defineSignal<[CompletionReport]>('completion');
export const progressSignal = defineSignal<[ProgressReport]>('progress');

/** containerRun's live view: its phase and the last progress it heard. */
export const runProgressQuery = defineQuery<RunProgress>('progress');
/** batchJob's live view: counts by state, overall progress, per-instance summary. */
export const jobStatusQuery = defineQuery<JobStatus>('status');

export type RunPhase =
  /** waiting for capacity: the pool's admission ledger has not granted it a lease yet */
  | 'Queued'
  | 'Creating'
  | 'Starting'
  | 'Running'
  | 'Restarting'
  /** its Spot group was evicted: waiting for the platform to bring it back */
  | 'Evicted'
  /** leaving an evicted Spot group for Regular capacity */
  | 'Moving'
  | 'CleaningUp'
  | 'Succeeded'
  | 'Failed'
  | 'TimedOut'
  | 'Cancelled';

export interface RunProgress {
  phase: RunPhase;
  attempt: number;
  percent?: number;
  message?: string;
  groupName: string;
}

export type RunStatus = 'Succeeded' | 'Failed' | 'TimedOut' | 'Cancelled';

/** What one container run returns. */
export interface RunResult {
  instanceIndex: number;
  status: RunStatus;
  exitCode?: number;
  message?: string;
  result?: unknown;
  /** 1 + number of restarts */
  attempts: number;
  groupName: string;
  /** the group was stopped and kept for inspection */
  keptGroup: boolean;
  startedAt: string;
  finishedAt: string;
  /** container-seconds billed: from create to delete/stop */
  billedSeconds: number;
  costUsd: number;
  logTail: string;
  /** where each attempt's whole log is kept, and whether it is complete (absent without a storage account) */
  logArchive?: LogArchiveResult;
  /** the files the run uploaded (absent without a storage account) */
  outputs?: OutputsResult;
  /** under admission: the pool and region it ran in (last, when it moved), and how long it waited for capacity */
  pool?: string;
  region?: string;
  queuedSeconds?: number;
  /** why it failed or timed out (what failurePolicy.rules[].onReason matches) */
  reason?: FailureReason;
  /** the failure rule that decided its end: its place in failurePolicy.rules and its action */
  rule?: { index: number; action: RuleAction };
  /** a rule said Ignore: the failure counts as done, not as failed */
  ignored?: boolean;
  /** it ended on a Spot group */
  spot?: boolean;
  /** of billedSeconds, those on Spot groups (priced apart) */
  spotSeconds?: number;
  /** Spot evictions it lived through (none counts against maxRestarts) */
  evictions?: number;
  /** its group came warm from a standby pool (absent: no standby pool was involved) */
  warm?: boolean;
}

/**
 * A run as the job summary lists it: without the log tail, the container's result, the archive and the outputs
 * (the run's own result has them). A summary lists at most SUMMARY_ROWS_MAX of these (src/shared/run-records.ts);
 * a bigger job's summary is paged.
 */
export type RunSummary = Omit<RunResult, 'logTail' | 'result' | 'logArchive' | 'outputs'>;

export type JobOutcome = 'Completed' | 'PartiallyFailed' | 'Failed' | 'Cancelled';

export interface JobStatus {
  tenant: string;
  jobId: string;
  /** `Waiting`: for the jobs it depends on, before any instance starts */
  state: 'Waiting' | 'Running' | JobOutcome;
  total: number;
  /** `queued`: running instances still waiting for capacity (the job client reads them from the ledger) */
  counts: Record<'pending' | 'queued' | 'running' | RunStatus, number>;
  /** 0-100 over all instances */
  percent: number;
  instances: Array<{
    index: number;
    phase: RunPhase | 'Pending';
    percent?: number;
    exitCode?: number;
    /** while Queued: its place in its pool's queue (1 = next) and when it is expected to start */
    queuePosition?: number;
    estimatedStartAt?: string;
  }>;
  /** under admission: the ledger where the job's queued runs wait, and the pools it may use */
  capacity?: { ledgerId: string; pools: string[] };
  /** while Waiting: the jobs it waits for */
  dependsOn?: DependsOn;
  /** once the job's policies stopped it early: why (it is cancelling what still runs) */
  reason?: string;
}

export interface JobSummary {
  tenant: string;
  jobId: string;
  outcome: JobOutcome;
  total: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  /** failures a failure rule said to Ignore: counted as done, not in failed or timedOut */
  ignored?: number;
  /**
   * why the job ended as it did, when its policies decided (a failure policy, a success policy, a dependency);
   * absent when it simply ran every instance
   */
  reason?: string;
  startedAt: string;
  finishedAt: string;
  billedSeconds: number;
  costUsd: number;
  /** when runs used Spot: the Spot share of billedSeconds and costUsd, and the evictions */
  spot?: { billedSeconds: number; costUsd: number; evictions: number };
  /** by instance index; empty when `runsPaged` */
  runs: RunSummary[];
  /**
   * the job had more instances than a summary lists (SUMMARY_ROWS_MAX, 1,000) or their rows were too big to
   * carry: `runs` is empty, `runRecords` has each instance compactly, and the rows are read page by page
   * (`JobClient.runs`, `GET /v1/jobs/:jobId/runs`) from the runs themselves
   */
  runsPaged?: true;
  /** with `runsPaged`: one compact record per instance, by index (src/shared/run-records.ts) */
  runRecords?: CompactRun[];
}
