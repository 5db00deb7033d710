/**
 * The job spec's constants and pure helpers, without zod: what the workflows use of it (instance counts and
 * indexes, each instance's spec, regions, the failure rules' words). The schema that validates a spec, and the
 * spec's types, are in job-spec.ts, which re-exports all of this; workflow code imports values from here only
 * (and types from either), so a `containerRun` never evaluates zod: the workflow bundle is evaluated per
 * workflow, and only the job validates a spec, loading the schema when it does (src/workflows/job-input.ts).
 */
import type { InstanceSpec, JobSpec, SubmittedJobSpec } from './job-spec';

/** Tag keys the project sets on container groups; user tags may not use the prefix. */
export const RESERVED_TAG_PREFIX = 'aci-batch-';
/** ACI reserves this port range for its own use. */
export const RESERVED_PORTS = { from: 20000, to: 30000 } as const;
export const MAX_INSTANCES = 10_000;

/** Why a spec may not ask for a GPU, and what to do instead. */
export const GPU_RETIRED =
  "ACI's GPU SKUs (K80, P100, V100) were retired on 14 July 2025: a container group that asks for one fails at " +
  'provisioning. Remove gpu from the spec; for GPU batch work use Azure Container Apps jobs on serverless GPU ' +
  '(consumption GPU workload profiles, A100 or T4).';

/** Why a run failed, as the job's failure rules match it (`failurePolicy.rules[].onReason`). */
export const FAILURE_REASONS = [
  /** the container reported Failed */
  'Reported',
  /** the container exited with a non-zero code without reporting */
  'Exited',
  /** no report within the time limit */
  'TimedOut',
  /** the platform took the container away: its group disappeared or was stopped by someone else */
  'Evicted',
  /** the group's provisioning failed, or it could not be started or restarted */
  'Lost',
  /** the group could not be created (an image that cannot be pulled, a spec ARM refuses) */
  'CreateFailed',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** What a matching rule does with a failure (Kubernetes' podFailurePolicy actions, by our names). */
export const RULE_ACTIONS = ['RestartInstance', 'FailInstance', 'FailJob', 'Ignore'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** Restarts a `RestartInstance` rule allows when onFailure itself does not restart. */
export const RULE_DEFAULT_MAX_RESTARTS = 2;
/** Its backoff then. */
export const RULE_DEFAULT_BACKOFF = '10s';

/** "0-3,7": instance indexes and inclusive ranges. */
export const INDEX_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** "0-3,7" → [0, 1, 2, 3, 7]; a descending range or more indexes than a job may have is a problem. */
export function parseIndexList(text: string): { indexes: number[]; problem?: string } {
  const indexes = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to = from] = part.split('-').map(Number) as [number, number?];
    if (to < from) return { indexes: [], problem: `the range "${part}" must go up, e.g. "${to}-${from}"` };
    if (to >= MAX_INSTANCES) return { indexes: [], problem: `indexes must be below ${MAX_INSTANCES}` };
    for (let index = from; index <= to; index++) indexes.add(index);
  }
  return { indexes: [...indexes].sort((a, b) => a - b) };
}

/** ACI's limits for a Spot container group. */
export const SPOT_LIMITS = { cpu: 4, memoryGB: 16 } as const;
/** Where a job's groups go when it names neither a region nor placement. */
export const DEFAULT_REGION = 'eastus';

/** The region of a job without placement. */
export function regionOf(spec: Pick<JobSpec, 'region'>): string {
  return spec.region ?? DEFAULT_REGION;
}

export class JobSpecError extends Error {
  override name = 'JobSpecError';
  constructor(
    message: string,
    /** one entry per problem: the field path and what to do */
    readonly problems: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

export function instanceCount(spec: JobSpec): number {
  return typeof spec.instances === 'number' ? spec.instances : spec.instances.length;
}

/** The index the instance at `position` runs as: its entry of instanceIndexes, else its position. */
export function instanceIndexAt(spec: Pick<JobSpec, 'instanceIndexes'>, position: number): number {
  return spec.instanceIndexes?.[position] ?? position;
}

/**
 * The one place per-instance parameters are resolved: env merged over the job's, command replacing it.
 * `position` is the instance's place in `instances` (its index, unless instanceIndexes says otherwise).
 */
export function specForInstance(spec: SubmittedJobSpec, position: number): InstanceSpec {
  const {
    instances,
    maxParallel: _maxParallel,
    instanceIndexes: _instanceIndexes,
    successPolicy: _successPolicy,
    dependsOn: _dependsOn,
    rerunOf: _rerunOf,
    ...common
  } = spec;
  const params = typeof instances === 'number' ? {} : (instances[position] ?? {});
  return {
    ...common,
    env: { ...spec.env, ...params.env },
    ...((params.command ?? spec.command) && { command: params.command ?? spec.command }),
  };
}
