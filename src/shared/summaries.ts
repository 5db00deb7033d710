/**
 * How a job and each of its runs read in the Temporal Web UI and CLI: the one-line summary and the details
 * (Temporal markdown) set when a workflow starts. Never environment values: they may hold secrets.
 * Pure: the job workflow builds its runs' summaries with it.
 */
import type { JobSpec } from './job-spec';
import { instanceCount, regionOf } from './job-model';

/** e.g. "acme/nightly-1: 100 × myacr.azurecr.io/batch/job:1.0 (1 vCPU, 1.5 GB, eastus)" */
export function jobSummary(spec: JobSpec, jobId: string): string {
  return `${spec.tenant}/${jobId}: ${instanceCount(spec)} × ${spec.image} (${resources(spec)}, ${where(spec)})`;
}

/**
 * e.g. "acme/nightly-1 instance 3 of 100: myacr.azurecr.io/batch/job:1.0" (indexes count from 0); a rerun's
 * instance keeps the index it had: "acme/nightly-1-rerun-1 instance 7 (rerun of nightly-1): ..."
 */
export function runSummary(spec: JobSpec, jobId: string, instanceIndex: number): string {
  const which = spec.instanceIndexes
    ? `${instanceIndex}${spec.rerunOf ? ` (rerun of ${spec.rerunOf})` : ''}`
    : `${instanceIndex} of ${instanceCount(spec)}`;
  return `${spec.tenant}/${jobId} instance ${which}: ${spec.image}`;
}

/** The job's spec in a few markdown lines, for the workflow's details pane. */
export function jobDetails(spec: JobSpec, jobId: string): string {
  const total = instanceCount(spec);
  const perInstance = typeof spec.instances === 'number' ? '' : ' (with per-instance parameters)';
  const onFailure =
    spec.onFailure.action === 'restart'
      ? `restart up to ${spec.onFailure.maxRestarts} times (backoff ${spec.onFailure.backoff}), then ${spec.onFailure.exhausted}`
      : spec.onFailure.action;
  const secrets = Object.keys(spec.secretEnv).length;
  const indexes = spec.instanceIndexes
    ? `indexes ${compactIndexes(spec.instanceIndexes)}`
    : `0 to ${total - 1}`;
  const policies = [
    spec.failurePolicy && `- failure policy: ${failurePolicyText(spec.failurePolicy)}`,
    spec.successPolicy &&
      `- success policy: ${[
        spec.successPolicy.succeededIndexes && `instances ${spec.successPolicy.succeededIndexes}`,
        spec.successPolicy.succeededCount && `${spec.successPolicy.succeededCount} succeeded`,
      ]
        .filter(Boolean)
        .join(', ')}`,
    spec.dependsOn && `- waits for: ${spec.dependsOn.jobs.join(', ')} (${spec.dependsOn.condition})`,
    spec.rerunOf && `- reruns: ${spec.tenant}/${spec.rerunOf}`,
  ].filter((line): line is string => Boolean(line));
  return [
    `**${spec.tenant}/${jobId}**`,
    `- image: \`${spec.image}\``,
    `- command: ${spec.command ? `\`${spec.command.join(' ')}\`` : "the image's own"}`,
    `- instances: ${total}${perInstance}, at most ${spec.maxParallel} at a time`,
    `- each: ${resources(spec)}`,
    spec.placement
      ? `- where: pools ${spec.placement.pools.join(', ')} in that order (Spot: ${spec.placement.spot})`
      : `- where: ${regionOf(spec)}, resource group: ${spec.resourceGroup ?? "the worker's default"}`,
    `- time limit per attempt: ${spec.timeLimit}; on failure: ${onFailure}; on success: ${spec.onSuccess}`,
    ...policies,
    `- environment: ${Object.keys(spec.env).length} plain and ${secrets} secret variables (values not shown)`,
    `- runs: workflow ids \`${spec.tenant}.${jobId}.<index>\` (${indexes})`,
  ].join('\n');
}

function failurePolicyText(policy: NonNullable<JobSpec['failurePolicy']>): string {
  const parts = [
    policy.maxFailedInstances !== undefined && `tolerates ${policy.maxFailedInstances} failed instances`,
    policy.maxFailedPercent !== undefined && `tolerates ${policy.maxFailedPercent}% failed`,
    policy.rules?.length &&
      `${policy.rules.length} rule(s): ${policy.rules.map((rule) => rule.action).join(', ')}`,
  ];
  return parts.filter(Boolean).join('; ');
}

/** [1, 2, 3, 7] → "1-3,7" */
export function compactIndexes(indexes: readonly number[]): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function resources(spec: JobSpec): string {
  return `${spec.cpu} vCPU, ${spec.memoryGB} GB`;
}

function where(spec: Pick<JobSpec, 'region' | 'placement'>): string {
  return spec.placement ? spec.placement.pools.join('|') : regionOf(spec);
}
