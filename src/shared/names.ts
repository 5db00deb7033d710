/**
 * Naming rules: readable, deterministic workflow ids and container group names, so that submitting the same
 * job twice never starts it twice and a retried create never makes a second group. Pure: used by workflows.
 */

/** Workflow id of a job: `<tenant>.<jobId>` (tenant and job id cannot contain dots, so this is unambiguous). */
export function jobWorkflowId(tenant: string, jobId: string): string {
  return `${tenant}.${jobId}`;
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
