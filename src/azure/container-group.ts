/**
 * The ARM container group body for one instance of a job, and the checks that must pass before any ARM call.
 * One container (`CONTAINER_NAME`), `restartPolicy: Never` (restarts are the workflow's decision), secrets as
 * `secureValue` (ACI never echoes them), ACR pull by the job's user-assigned identity, and tags that tie the
 * group to its job, tenant, workflow and instance (the idempotent create and the janitor read them).
 */
import type { ContainerGroup, EnvironmentVariable } from '@azure/arm-containerinstance';
import { ApplicationFailure } from '@temporalio/common';
import type { StandbyPlacement } from '../shared/capacity';
import { contractEnv } from '../shared/container-contract';
import type { CreateContainerGroupInput } from '../shared/container-groups';
import { AciFailureType } from '../shared/failures';
import { CONTAINER_NAME, MANAGED_BY_VALUE, TAGS } from '../shared/names';
import { regionOf } from '../shared/job-spec';
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
  const spot = request.placement?.spot ?? false;
  return {
    location: request.placement?.region ?? regionOf(spec),
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
    // Spot: evictable, cheaper; never with an IP address or a subnet (the job spec and the pools make sure)
    ...(spot && { priority: 'Spot' }),
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

/**
 * The PUT that takes a warm group from a standby pool (ARM wire format, api-version 2024-05-01-preview): the
 * profile gives containers, image, size and ports; the run's plain settings go in its container's config map
 * (files under /mnt/configmap/<container>/, which ARM reads show: never a secret), and the job's identity on
 * the request (profiles carry none). With no ready group in the pool, ACI creates a fresh one from the profile.
 */
export function buildWarmContainerGroup(request: ContainerGroupRequest, standby: StandbyPlacement): unknown {
  if (Object.keys(request.secureEnv).length > 0) {
    throw ApplicationFailure.nonRetryable(
      'a warm start cannot carry secrets (config maps show in ARM reads): this run must be created fresh',
      AciFailureType.invalidSpec,
    );
  }
  const group = buildContainerGroup(request);
  return {
    location: group.location,
    tags: group.tags,
    ...(group.identity && { identity: group.identity }),
    properties: {
      containerGroupProfile: { id: standby.profile.id, revision: standby.profile.revision },
      standbyPoolProfile: { id: standby.poolId },
      // ACI allows nothing else here ("ContainerGroup properties other than config map are not allowed"):
      // registry credentials, like the image, belong to the profile
      containers: [
        { name: CONTAINER_NAME, properties: { configMap: { keyValuePairs: { ...request.env } } } },
      ],
    },
  };
}

/** What a container group profile fixes that a job must match to take its warm groups. */
export interface ProfileShape {
  image?: string;
  cpu?: number;
  memoryGB?: number;
  ports: number[];
}

/** The shape of a profile as ARM returns it (wire format); undefined fields when the profile has no container. */
export function profileShape(profile: unknown): ProfileShape {
  const properties = (profile as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  const containers =
    (properties.containers as Array<{ properties?: Record<string, unknown> }> | undefined) ?? [];
  const container = containers[0]?.properties ?? {};
  const requests = (container.resources as { requests?: { cpu?: number; memoryInGB?: number } } | undefined)
    ?.requests;
  const ports = (container.ports as Array<{ port?: number }> | undefined) ?? [];
  return {
    image: container.image as string | undefined,
    cpu: requests?.cpu,
    memoryGB: requests?.memoryInGB,
    ports: ports.map((port) => port.port ?? 0),
  };
}

/** Why a job cannot take this profile's warm groups, or undefined when it can. */
export function profileMismatch(
  shape: ProfileShape,
  spec: ContainerGroupRequest['spec'],
): string | undefined {
  if (shape.image !== spec.image)
    return `the profile runs ${shape.image ?? 'no image'}, the job ${spec.image}`;
  if (shape.cpu !== spec.cpu || shape.memoryGB !== spec.memoryGB) {
    return `the profile's size is ${shape.cpu} vCPU / ${shape.memoryGB} GB, the job's ${spec.cpu} / ${spec.memoryGB}`;
  }
  if ([...shape.ports].sort().join() !== [...spec.ports].sort().join()) {
    return `the profile opens ports [${shape.ports.join(', ')}], the job [${spec.ports.join(', ')}]`;
  }
  return undefined;
}
