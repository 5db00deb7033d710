/**
 * The container contract: the ACI_BATCH_* variables that tell a container who it is and how to report back,
 * and the URLs of a run's callbacks and of the container's own control endpoint. Pure: the workflow decides the
 * report channel, the create activity turns it into variables (minting the run token, which never enters
 * workflow history).
 */
import { durationMs } from './duration';
import type { InstanceSpec, JobSpec } from './job-spec';
import type { JobSettings } from './job-settings';
import { CONTAINER_ENV } from './names';

/** How a run's container reports its outcome. */
export type ReportChannel =
  /** HTTP callbacks to the API, authenticated by a run token that expires at `tokenExpiresAtMs` */
  | { kind: 'callback'; baseUrl: string; tokenExpiresAtMs: number }
  /** a completion signal sent straight to Temporal */
  | { kind: 'signal'; address: string; namespace: string }
  /** no reporting: the monitor judges the run by the container's exit code */
  | { kind: 'exitCode' };

/** The job's way of reporting; callbacks win when both are configured. */
export function reportChannelOf(settings: JobSettings, tokenExpiresAtMs: number): ReportChannel {
  if (settings.callbackBaseUrl)
    return { kind: 'callback', baseUrl: settings.callbackBaseUrl, tokenExpiresAtMs };
  if (settings.temporal) return { kind: 'signal', ...settings.temporal };
  return { kind: 'exitCode' };
}

export interface ContractRun {
  /** the containerRun workflow id */
  workflowId: string;
  tenant: string;
  jobId: string;
  instanceIndex: number;
}

/** The contract variables of one run: plain ones, and the secure one (the run token) when it reports by callback. */
export function contractEnv(
  run: ContractRun,
  reporting: ReportChannel,
  runToken: string | undefined,
): { env: Record<string, string>; secureEnv: Record<string, string> } {
  const env: Record<string, string> = {
    [CONTAINER_ENV.runId]: run.workflowId,
    [CONTAINER_ENV.jobId]: run.jobId,
    [CONTAINER_ENV.tenant]: run.tenant,
    [CONTAINER_ENV.instanceIndex]: String(run.instanceIndex),
  };
  const secureEnv: Record<string, string> = {};
  if (reporting.kind === 'callback') {
    env[CONTAINER_ENV.callbackUrl] = runCallbackUrl(reporting.baseUrl, run.workflowId);
    if (runToken) secureEnv[CONTAINER_ENV.callbackToken] = runToken;
  } else if (reporting.kind === 'signal') {
    env[CONTAINER_ENV.temporalAddress] = reporting.address;
    env[CONTAINER_ENV.temporalNamespace] = reporting.namespace;
  }
  return { env, secureEnv };
}

/** Longest a start call may keep an attempt waiting (the start activity's schedule-to-close timeout). */
export const MAX_START_CALL_MS = 10 * 60_000;
/** Provisioning, restarts and deletes: what a run spends outside its attempts' time limits, generously. */
const RUN_OVERHEAD_MS = 2 * 3600_000;

/**
 * How long a run's token must stay valid: the run's whole life, every attempt and restart included (a restarted
 * group keeps its environment, so the token it was created with must still work for the last attempt).
 */
export function runTokenLifetimeMs(spec: Pick<InstanceSpec, 'timeLimit' | 'onFailure' | 'control'>): number {
  const restarts = spec.onFailure.action === 'restart' ? spec.onFailure.maxRestarts : 0;
  const backoffMs = spec.onFailure.action === 'restart' ? durationMs(spec.onFailure.backoff) : 0;
  const attemptMs = durationMs(spec.timeLimit) + (spec.control ? MAX_START_CALL_MS : 0);
  return (restarts + 1) * attemptMs + restarts * backoffMs + RUN_OVERHEAD_MS;
}

/** Where one run's container reports: `<base>/runs/<run id>` (+ `/complete`, `/progress`). */
export function runCallbackUrl(baseUrl: string, runId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/runs/${encodeURIComponent(runId)}`;
}

export type Control = NonNullable<JobSpec['control']>;

export function controlUrl(ip: string, control: Control, path: string): string {
  return `http://${ip}:${control.port}${path}`;
}
