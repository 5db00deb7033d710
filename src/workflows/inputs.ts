/**
 * The workflows' inputs: plain JSON, stored in history. Shared with the client, which builds them.
 */
import type { InstanceSpec, JobSpec, SubmittedJobSpec } from '../shared/job-spec';
import type { JobSettings } from '../shared/job-settings';
import type { RunSummary } from '../shared/messages';
import type { CompactRun } from '../shared/run-records';
import type { CapacityPlacement, PoolPlacement } from '../shared/capacity';
import type { ContainerGroupRef } from '../shared/container-groups';
import type { AdmissionSnapshot } from './admission';
import type { ArchiveSnapshot } from './log-archive';
import type { RunSnapshot } from './run-state';

export type { JobSettings };

export interface BatchJobInput {
  /**
   * the spec as the edge (API or CLI) parsed it, its job id settled; the workflow validates it once more.
   * A scheduled job's spec has no job id: the workflow derives it from its workflow id (see `schedule`).
   */
  spec: SubmittedJobSpec | JobSpec;
  settings?: JobSettings;
  /**
   * set by a schedule's action: the job's id is `<name>-<yyyymmddhhmmss>`, from the fire time Temporal
   * appended to the workflow id
   */
  schedule?: { name: string };
  /** set by continue-as-new: what earlier runs of this job's workflow already did */
  carried?: CarriedJobState;
  /**
   * the most rows the job's summary lists (default SUMMARY_ROWS_MAX, 1,000): a job with more instances returns
   * a paged summary. The job client leaves it out; tests set it low to page small jobs.
   */
  summaryRowsMax?: number;
}

/** The parent's compact state across continue-as-new. */
export interface CarriedJobState {
  startedAtMs: number;
  /** instances below this index have finished */
  nextIndex: number;
  /** the finished instances' rows, while the summary lists them (every job before the paged-summary patch) */
  runs?: RunSummary[];
  /** every finished instance, compactly (jobs since the paged-summary patch) */
  records?: CompactRun[];
  /** the summary is paged: no rows are carried */
  paged?: boolean;
  /** where the runs get capacity, as resolved when the job started */
  capacity?: CapacityPlacement;
}

export interface ContainerRunInput {
  /** this instance's spec, resolved by the job (specForInstance) */
  spec: InstanceSpec;
  instanceIndex: number;
  /** where the run gets capacity (its pool's ledger); absent: it creates at once, as without admission */
  capacity?: CapacityPlacement;
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
  /** the group (with its subscription, under admission); absent in runs continued before placement existed */
  group?: ContainerGroupRef;
  /** the run's lease, under admission */
  admission?: AdmissionSnapshot;
  /** seconds billed for groups before the current one (a Spot group the run left), and of those on Spot */
  billedSecondsBefore?: number;
  spotSecondsBefore?: number;
  evictions?: number;
  warm?: boolean;
  /** under admission: the pool of the current group, and whether it is a Spot one */
  ranIn?: { pool: PoolPlacement; spot: boolean };
  /** where the log archive stands */
  logArchive?: ArchiveSnapshot;
  /** the archive's number for the current group's log, when it is not the attempt's (after a Spot move) */
  groupLog?: number;
}
