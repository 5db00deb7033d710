/**
 * Naming rules: readable, deterministic workflow ids and container group names, so that submitting the same
 * job twice never starts it twice and a retried create never makes a second group. Pure: used by workflows.
 */

/** Workflow id of a job: `<tenant>.<jobId>` (tenant and job id cannot contain dots, so this is unambiguous). */
export function jobWorkflowId(tenant: string, jobId: string): string {
  return `${tenant}.${jobId}`;
}

/** Id of a tenant's schedule: `<tenant>.schedule.<name>`. */
export function scheduleId(tenant: string, name: string): string {
  return `${tenant}.schedule.${name}`;
}

/**
 * The workflow id a schedule's action starts its jobs with, `<tenant>.<name>`; Temporal appends the fire time
 * (`-2026-11-24T02:00:00Z`), so each firing is its own workflow and never runs twice.
 */
export function scheduledWorkflowIdBase(tenant: string, name: string): string {
  return `${tenant}.${name}`;
}

/** A scheduled job's id: `<name>-<yyyymmddhhmmss>`, its schedule's name and its fire time (UTC). */
export const SCHEDULED_JOB_ID = /^(.+)-(\d{14})$/;
const APPENDED_FIRE_TIME = /-(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * The job id of a scheduled firing, from the workflow id Temporal gave it (`acme.nightly-2026-11-24T02:00:00Z`
 * → `nightly-20261124020000`); `fallback` (the workflow's start time) when the id carries no fire time (started
 * by hand). At most 25 + 15 characters: a schedule name is at most 25.
 */
export function scheduledJobId(name: string, workflowId: string, fallback: Date): string {
  const match = APPENDED_FIRE_TIME.exec(workflowId);
  const stamp = match ? match.slice(1).join('') : fallback.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${name}-${stamp}`;
}

/**
 * The workflow id of a scheduled job, from its job id (the reverse of scheduledJobId); undefined when the id
 * is not one a schedule gives.
 */
export function scheduledJobWorkflowId(tenant: string, jobId: string): string | undefined {
  const match = SCHEDULED_JOB_ID.exec(jobId);
  if (!match) return undefined;
  const [, name, s] = match as unknown as [string, string, string];
  const at = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}Z`;
  return `${scheduledWorkflowIdBase(tenant, name)}-${at}`;
}

/** Workflow id of one instance's container run: `<tenant>.<jobId>.<index>`. */
export function runWorkflowId(tenant: string, jobId: string, instanceIndex: number): string {
  return `${jobWorkflowId(tenant, jobId)}.${instanceIndex}`;
}

/** The parts of a run's workflow id; undefined when it is not one (`<tenant>.<jobId>.<index>`). */
export function parseRunWorkflowId(
  runId: string,
): { tenant: string; jobId: string; instanceIndex: number } | undefined {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.(\d{1,6})$/.exec(runId);
  return match ? { tenant: match[1]!, jobId: match[2]!, instanceIndex: Number(match[3]) } : undefined;
}

const MAX_GROUP_NAME = 63;

/**
 * ACI container group name: `<tenant>-<jobId>-<hash>-<index>`, within ACI's rules (1-63 lowercase letters,
 * digits and single hyphens). The readable part is shortened to fit; the hash of the full tenant/job pair
 * keeps names unique where hyphens or shortening would make two jobs look alike ("a-b"+"c" vs "a"+"b-c").
 */
export function containerGroupName(tenant: string, jobId: string, instanceIndex: number): string {
  const suffix = `-${fnv1a32(`${tenant}/${jobId}`).toString(36)}-${instanceIndex}`;
  const readable = `${tenant}-${jobId}`.slice(0, MAX_GROUP_NAME - suffix.length).replace(/-+$/, '');
  return `${readable}${suffix}`;
}

/** 32-bit FNV-1a: a tiny deterministic hash that runs inside the workflow sandbox (no Node crypto there). */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The single container's name inside each group. */
export const CONTAINER_NAME = 'job';

/** Tags that tie a container group to its job; the janitor and the idempotent create read them. */
export const TAGS = {
  managedBy: 'aci-batch-managed-by',
  tenant: 'aci-batch-tenant',
  jobId: 'aci-batch-job-id',
  workflowId: 'aci-batch-workflow-id',
  instance: 'aci-batch-instance',
} as const;
export const MANAGED_BY_VALUE = 'aci-batch';

/** Environment variables handed to every container (see the container contract in the README). */
export const CONTAINER_ENV = {
  runId: 'ACI_BATCH_RUN_ID',
  jobId: 'ACI_BATCH_JOB_ID',
  tenant: 'ACI_BATCH_TENANT',
  instanceIndex: 'ACI_BATCH_INSTANCE_INDEX',
  /** HTTP callback mode: where to report, and the per-run token (a secure variable) */
  callbackUrl: 'ACI_BATCH_CALLBACK_URL',
  callbackToken: 'ACI_BATCH_CALLBACK_TOKEN',
  /** direct-signal mode: where the container's Temporal client connects */
  temporalAddress: 'ACI_BATCH_TEMPORAL_ADDRESS',
  temporalNamespace: 'ACI_BATCH_TEMPORAL_NAMESPACE',
} as const;
