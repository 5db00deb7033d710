/**
 * The run's side of the container contract: the ACI_BATCH_* variables that tell a container who it is and how
 * to report back, and the URLs of the container's own control endpoint.
 */
import type { JobSpec } from '../shared/job-spec';
import { CONTAINER_ENV } from '../shared/names';
import type { JobSettings } from './inputs';

export interface RunIdentity {
  /** the containerRun workflow id: the run id the container reports to */
  runId: string;
  tenant: string;
  jobId: string;
  instanceIndex: number;
}

/**
 * Plain variables only. The callback token is a secret: the worker adds it when it creates the group, so it
 * never enters workflow history.
 */
export function containerEnv(run: RunIdentity, settings: JobSettings): Record<string, string> {
  return {
    [CONTAINER_ENV.runId]: run.runId,
    [CONTAINER_ENV.jobId]: run.jobId,
    [CONTAINER_ENV.tenant]: run.tenant,
    [CONTAINER_ENV.instanceIndex]: String(run.instanceIndex),
    ...(settings.callbackBaseUrl && {
      [CONTAINER_ENV.callbackUrl]: runCallbackUrl(settings.callbackBaseUrl, run.runId),
    }),
    ...(settings.temporal && {
      [CONTAINER_ENV.temporalAddress]: settings.temporal.address,
      [CONTAINER_ENV.temporalNamespace]: settings.temporal.namespace,
    }),
  };
}

/** Where one run's container reports: `<base>/runs/<run id>` (+ `/complete`, `/progress`). */
export function runCallbackUrl(baseUrl: string, runId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/runs/${encodeURIComponent(runId)}`;
}

export type Control = NonNullable<JobSpec['control']>;

export function controlUrl(ip: string, control: Control, path: string): string {
  return `http://${ip}:${control.port}${path}`;
}
