/** The API's answers, as the console reads them (the OpenAPI document at /openapi.json has them all). */
import type { JobStatus, JobSummary, RunProgress, RunResult } from '../../shared/messages';
import type { JobState } from '../../shared/statuses';
import type { AttemptLog, OutputInfo } from '../../shared/storage';

export type { JobStatus, JobSummary, RunProgress, RunResult, JobState, AttemptLog };

export interface JobListItem {
  tenant: string;
  jobId: string;
  workflowId: string;
  status: string;
  startedAt?: string;
  closedAt?: string;
  memo?: { image?: string; instances?: number; cpu?: number; memoryGB?: number; region?: string };
  /** the schedule that started it */
  schedule?: string;
  /** the job it reruns */
  rerunOf?: string;
}

export interface JobPage {
  jobs: JobListItem[];
  nextPageToken?: string;
}

/** GET /v1/jobs/:jobId */
export interface JobAnswer {
  tenant: string;
  jobId: string;
  state: JobState;
  status?: JobStatus;
  result?: JobSummary;
  /** the schedule that started it */
  schedule?: string;
  /** the job it reruns */
  rerunOf?: string;
  /** once it ended: the jobs that rerun it (from visibility: a rerun just started may be missing a moment) */
  reruns?: Array<{ jobId: string; status: string; startedAt?: string }>;
}

/** POST /v1/jobs/:jobId/rerun */
export interface RerunAnswer {
  jobId: string;
  rerunOf: string;
  instances: number;
  created: boolean;
}

/** GET /v1/jobs/:jobId/instances/:index */
export interface InstanceAnswer {
  jobId: string;
  index: number;
  state: string;
  progress?: RunProgress;
  result?: RunResult;
}

export interface SubmitAnswer {
  jobId: string;
  created: boolean;
  statusUrl: string;
}

export interface JobCost {
  jobId: string;
  outcome: string;
  startedAt: string;
  finishedAt: string;
  instances: number;
  billedSeconds: number;
  costUsd: number;
}

/** GET /v1/cost */
export interface CostAnswer {
  tenant: string;
  since: string;
  until: string;
  jobs: JobCost[];
  running: string[];
  unpriced: string[];
  billedSeconds: number;
  costUsd: number;
}

/** GET /v1/schedules (where the API offers schedules) */
export interface ScheduleListItem {
  name: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  lastJobId?: string;
}

/** GET .../outputs (where the API offers outputs), and a finished run's result.outputs.files */
export type OutputFile = OutputInfo;
