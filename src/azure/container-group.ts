/**
 * The ARM container group body for one instance of a job, and the checks that must pass before any ARM call.
 * One container (`CONTAINER_NAME`), `restartPolicy: Never` (restarts are the workflow's decision), secrets as
 * `secureValue` (ACI never echoes them), ACR pull by the job's user-assigned identity, and tags that tie the
 * group to its job, tenant, workflow and instance (the idempotent create and the janitor read them).
 */
import type { ContainerGroup, EnvironmentVariable } from '@azure/arm-containerinstance';
import { ApplicationFailure } from '@temporalio/common';
import { contractEnv } from '../shared/container-contract';
import type { CreateContainerGroupInput } from '../shared/container-groups';
import { AciFailureType } from '../shared/failures';
import { CONTAINER_NAME, MANAGED_BY_VALUE, TAGS } from '../shared/names';
import { resourceGroupName } from '../shared/validation';

/** ACI container group names: 1-63 lowercase letters, digits and hyphens, starting and ending alphanumeric. */
const GROUP_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const MAX_TAG_VALUE = 256;

/** The request as ARM will see it: the group's ref, its run, and every variable its container gets. */
export interface ContainerGroupRequest extends CreateContainerGroupInput {
  /** plain variables: the spec's (instance's merged in by the workflow), then the contract's ACI_BATCH_* */
  env: Record<string, string>;
  /** secure variables (sent as secureValue, never echoed): the spec's secrets and the run token */
  secureEnv: Record<string, string>;
}

/**
 * Checks what the workflow cannot know (the resource group the worker filled in, names as ARM takes them) and
 * merges the contract's variables with the spec's. The spec itself was validated once, by the job's workflow.
 * Throws a non-retryable `AciInvalidSpec` failure listing every problem.
 */
export function prepareCreateRequest(
  input: CreateContainerGroupInput,
  runToken: string | undefined,
): ContainerGroupRequest {
  const contract = contractEnv({ ...input.run, tenant: input.spec.tenant }, input.reporting, runToken);
  const request = {
    ...input,
    env: { ...input.spec.env, ...contract.env },
    secureEnv: { ...input.spec.secretEnv, ...contract.secureEnv },
  };
  const problems: string[] = [];
  if (!resourceGroupName.safeParse(input.resourceGroup ?? '').success) {
    problems.push(
      'resourceGroup is required: set it in the job spec or ACI_RESOURCE_GROUP (1-90 letters, digits, "-", "_", ".", "(" or ")")',
    );
  }
  if (!GROUP_NAME.test(input.name ?? '')) {
    problems.push(
      `name "${input.name}" is not a valid container group name (1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit)`,
    );
  }
  if (!input.run.workflowId || input.run.workflowId.length > MAX_TAG_VALUE) {
    problems.push(`run.workflowId must be 1-${MAX_TAG_VALUE} characters (it is stored in a tag)`);
  }
  const plain = new Set(Object.keys(request.env));
  for (const name of Object.keys(request.secureEnv)) {
    if (plain.has(name)) problems.push(`environment variable ${name} is set both as plain and as secret env`);
  }
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `Invalid container group request:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      AciFailureType.invalidSpec,
    );
  }
  return request;
}

/** The container group to PUT for one instance. */
export function buildContainerGroup(request: ContainerGroupRequest): ContainerGroup {
  const { spec, run } = request;
  const registry = registryHost(spec.image);
  const ports = spec.ports.map((port) => ({ protocol: 'TCP', port }));
  return {
    location: spec.region,
    tags: {
      ...spec.tags,
      [TAGS.managedBy]: MANAGED_BY_VALUE,
      [TAGS.tenant]: spec.tenant,
      [TAGS.jobId]: run.jobId,
      [TAGS.workflowId]: run.workflowId,
      [TAGS.instance]: String(run.instanceIndex),
    },
    ...(spec.identity && {
      identity: { type: 'UserAssigned', userAssignedIdentities: { [spec.identity]: {} } },
    }),
    containers: [
      {
        name: CONTAINER_NAME,
        image: spec.image,
        ...(spec.command && { command: spec.command }),
        ports: spec.ports.map((port) => ({ port })),
        environmentVariables: [
          ...Object.entries(request.env).map(([name, value]): EnvironmentVariable => ({ name, value })),
          ...Object.entries(request.secureEnv).map(([name, secureValue]): EnvironmentVariable => ({
            name,
            secureValue,
          })),
        ],
        resources: { requests: { cpu: spec.cpu, memoryInGB: spec.memoryGB } },
      },
    ],
    ...(spec.identity &&
      registry && { imageRegistryCredentials: [{ server: registry, identity: spec.identity }] }),
    restartPolicy: 'Never',
    osType: 'Linux',
    sku: 'Standard',
    ...(ports.length > 0 && { ipAddress: { type: spec.subnetId ? 'Private' : 'Public', ports } }),
    ...(spec.subnetId && { subnetIds: [{ id: spec.subnetId }] }),
  };
}

/** The secret values of a request, so that error messages can redact them. */
export function secretValues(request: ContainerGroupRequest): string[] {
  return Object.values(request.secureEnv);
}

/**
 * The registry host of an image reference, by Docker's rule: the first path component when it looks like a
 * host (has a "." or ":", or is "localhost"). `myacr.azurecr.io/batch/job:1` → `myacr.azurecr.io`; `node:20` → none.
 */
export function registryHost(image: string): string | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}
