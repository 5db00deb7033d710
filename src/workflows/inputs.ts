/**
 * The workflows' inputs: plain JSON, stored in history. Shared with the client, which builds them.
 */
import type { JobSpec, JobSpecInput } from '../shared/job-spec';
import type { RunSummary } from '../shared/messages';
import type { AciPrices } from '../shared/pricing';
import type { RunSnapshot } from './run-state';

/** Decided at submission and the same for every instance of a job. */
export interface JobSettings {
  /** HTTP callback mode: the callback endpoint's base URL; each run reports to `<base>/runs/<run id>` */
  callbackBaseUrl?: string;
  /** direct-signal mode: where the container's Temporal client connects */
  temporal?: { address: string; namespace: string };
  /** default: DEFAULT_ACI_PRICES */
  prices?: AciPrices;
}

export interface BatchJobInput {
  /** the spec as submitted (validated by the workflow); `jobId` is required */
  spec: JobSpecInput;
  settings?: JobSettings;
  /** set by continue-as-new: what earlier runs of this job's workflow already did */
  carried?: CarriedJobState;
}

/** The parent's compact state across continue-as-new. */
export interface CarriedJobState {
  startedAtMs: number;
  /** instances below this index have finished */
  nextIndex: number;
  runs: RunSummary[];
}

export interface ContainerRunInput {
  /** this instance's spec: the instance's env and command merged in, `instances` a count */
  spec: JobSpec;
  jobId: string;
  instanceIndex: number;
  settings: JobSettings;
  /** set by continue-as-new: the run is past create and start, waiting for its outcome */
  resumed?: ResumedRun;
}

export interface ResumedRun extends RunSnapshot {
  startedAtMs: number;
  /** billing started when the group was created */
  billedFromMs: number;
  /** the current attempt's time limit */
  deadlineMs: number;
  /** the resolved resource group (the worker may have filled in its default) */
  resourceGroup: string;
}
