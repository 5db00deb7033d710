/**
 * The ARM container group body for one instance of a job, and the checks that must pass before any ARM call.
 * One container (`CONTAINER_NAME`), `restartPolicy: Never` (restarts are the workflow's decision), secrets as
 * `secureValue` (ACI never echoes them), ACR pull by the job's user-assigned identity, and tags that tie the
 * group to its job, tenant, workflow and instance (the idempotent create and the janitor read them).
 */
import type { ContainerGroup, EnvironmentVariable } from '@azure/arm-containerinstance';
import { ApplicationFailure } from '@temporalio/common';
import type { CreateContainerGroupInput } from '../activities/types';
import {
  instanceCount,
  instanceParamsAt,
  jobIdSchema,
  jobSpecSchema,
  RESERVED_ENV_PREFIX,
  type JobSpec,
} from '../shared/job-spec';
import { CONTAINER_NAME, MANAGED_BY_VALUE, TAGS } from '../shared/names';
import { AciFailureType } from '../shared/failures';

/** ACI container group names: 1-63 lowercase letters, digits and hyphens, starting and ending alphanumeric. */
const GROUP_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const MAX_TAG_VALUE = 256;

/**
 * Checks what the job spec schema cannot know (the group's name and resource group, the instance, the
 * contract env) and re-validates the spec itself, since it crossed a serialisation boundary. Throws a
 * non-retryable `AciInvalidSpec` failure listing every problem. Returns the validated spec.
 */
export function validateCreateInput(input: CreateContainerGroupInput): JobSpec {
  const parsed = jobSpecSchema.safeParse(input.spec);
  const spec = parsed.success ? parsed.data : undefined;
  const problems = (parsed.error?.issues ?? []).map(
    (issue) => `spec.${issue.path.map(String).join('.')}: ${issue.message}`,
  );
  if (!RESOURCE_GROUP.test(input.resourceGroup ?? '')) {
    problems.push(
      'resourceGroup is required: set it in the job spec or ACI_RESOURCE_GROUP (1-90 letters, digits, "-", "_", ".", "(" or ")")',
    );
  }
  if (!GROUP_NAME.test(input.name ?? '')) {
    problems.push(
      `name "${input.name}" is not a valid container group name (1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit)`,
    );
  }
  if (!jobIdSchema.safeParse(input.jobId).success)
    problems.push(`jobId "${input.jobId}" is not a valid job id`);
  if (!input.workflowId || input.workflowId.length > MAX_TAG_VALUE) {
    problems.push(`workflowId must be 1-${MAX_TAG_VALUE} characters (it is stored in a tag)`);
  }
  if (spec) problems.push(...instanceProblems(spec, input), ...envProblems(spec, input));
  if (!spec || problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `Invalid container group request:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      AciFailureType.invalidSpec,
    );
  }
  return spec;
}

function instanceProblems(spec: JobSpec, input: CreateContainerGroupInput): string[] {
  const problems: string[] = [];
  const count = instanceCount(spec);
  if (!Number.isInteger(input.instanceIndex) || input.instanceIndex < 0 || input.instanceIndex >= count) {
    problems.push(`instanceIndex ${input.instanceIndex} is outside the job's instances 0-${count - 1}`);
  }
  if (spec.jobId !== undefined && spec.jobId !== input.jobId) {
    problems.push(`jobId "${input.jobId}" differs from the spec's jobId "${spec.jobId}"`);
  }
  return problems;
}

function envProblems(spec: JobSpec, input: CreateContainerGroupInput): string[] {
  const problems: string[] = [];
  for (const name of [...Object.keys(input.env), ...Object.keys(input.secureEnv)]) {
    if (!ENV_NAME.test(name) || !name.startsWith(RESERVED_ENV_PREFIX)) {
      problems.push(
        `contract environment variable "${name}" must be named ${RESERVED_ENV_PREFIX}<LETTERS_DIGITS_>`,
      );
    }
  }
  const plain = new Set(Object.keys(plainEnv(spec, input)));
  for (const name of Object.keys(secureEnv(spec, input))) {
    if (plain.has(name)) problems.push(`environment variable ${name} is set both as plain and as secret env`);
  }
  return problems;
}

/** The container group to PUT for one instance. Call `validateCreateInput` first. */
export function buildContainerGroup(spec: JobSpec, input: CreateContainerGroupInput): ContainerGroup {
  const instance = instanceParamsAt(spec, input.instanceIndex);
  const command = instance.command ?? spec.command;
  const registry = registryHost(spec.image);
  const ports = spec.ports.map((port) => ({ protocol: 'TCP', port }));
  return {
    location: spec.region,
    tags: {
      ...spec.tags,
      [TAGS.managedBy]: MANAGED_BY_VALUE,
      [TAGS.tenant]: spec.tenant,
      [TAGS.jobId]: input.jobId,
      [TAGS.workflowId]: input.workflowId,
      [TAGS.instance]: String(input.instanceIndex),
    },
    ...(spec.identity && {
      identity: { type: 'UserAssigned', userAssignedIdentities: { [spec.identity]: {} } },
    }),
    containers: [
      {
        name: CONTAINER_NAME,
        image: spec.image,
        ...(command && { command }),
        ports: spec.ports.map((port) => ({ port })),
        environmentVariables: [
          ...Object.entries(plainEnv(spec, input)).map(([name, value]): EnvironmentVariable => ({
            name,
            value,
          })),
          ...Object.entries(secureEnv(spec, input)).map(([name, secureValue]): EnvironmentVariable => ({
            name,
            secureValue,
          })),
        ],
        resources: {
          requests: { cpu: spec.cpu, memoryInGB: spec.memoryGB, ...(spec.gpu && { gpu: { ...spec.gpu } }) },
        },
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

/** Plain env: the spec's, then the instance's (overriding), then the contract's ACI_BATCH_* variables. */
function plainEnv(spec: JobSpec, input: CreateContainerGroupInput): Record<string, string> {
  return { ...spec.env, ...instanceParamsAt(spec, input.instanceIndex).env, ...input.env };
}

function secureEnv(spec: JobSpec, input: CreateContainerGroupInput): Record<string, string> {
  return { ...spec.secretEnv, ...input.secureEnv };
}

/** The secret values of a request, so that error messages can redact them. */
export function secretValues(spec: JobSpec, input: CreateContainerGroupInput): string[] {
  return Object.values(secureEnv(spec, input));
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
