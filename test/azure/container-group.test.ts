import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  buildContainerGroup,
  prepareCreateRequest,
  registryHost,
  secretValues,
} from '../../src/azure/container-group';
import type { CreateContainerGroupInput } from '../../src/shared/container-groups';
import {
  parseJobSpec,
  specForInstance,
  type JobSpecInput,
  type SubmittedJobSpec,
} from '../../src/shared/job-spec';

const IDENTITY =
  '/subscriptions/s1/resourceGroups/ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/batch-pull';
const SUBNET =
  '/subscriptions/s1/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/aci';
const TOKEN = 'tok-s3cret';

/** The create input a run of instance `index` sends: its spec resolved by the workflow, reporting by callback. */
function request(
  spec: JobSpecInput,
  index = 1,
  overrides: Partial<CreateContainerGroupInput> = {},
): CreateContainerGroupInput {
  const parsed = parseJobSpec({ jobId: 'nightly', ...spec }) as SubmittedJobSpec;
  return {
    resourceGroup: 'batch-rg',
    name: 'acme-nightly-1x2y3z-1',
    spec: specForInstance(parsed, index),
    run: {
      workflowId: `acme.nightly.${index}`,
      firstRunId: 'first-run',
      jobId: 'nightly',
      instanceIndex: index,
    },
    reporting: { kind: 'callback', baseUrl: 'https://api.example.com/v1', tokenExpiresAtMs: 0 },
    ...overrides,
  };
}

function build(input: CreateContainerGroupInput) {
  return buildContainerGroup(prepareCreateRequest(input, TOKEN));
}

function invalid(input: CreateContainerGroupInput): ApplicationFailure {
  try {
    prepareCreateRequest(input, TOKEN);
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }
  throw new Error('expected validation to fail');
}

describe('buildContainerGroup', () => {
  it('builds the exact ARM body: secure env, ACR pull by identity, subnet, per-instance overrides', () => {
    const input = request({
      tenant: 'acme',
      jobId: 'nightly',
      image: 'myacr.azurecr.io/batch/job:1.0',
      command: ['python', 'main.py'],
      cpu: 2,
      memoryGB: 8,
      env: { MODE: 'full', SHARED: 'spec' },
      secretEnv: { DB_PASSWORD: 'pw-s3cret' },
      instances: [
        {},
        { env: { SHARED: 'instance', SHARD: '1' }, command: ['python', 'main.py', '--shard', '1'] },
      ],
      ports: [8080],
      control: { port: 8080 },
      region: 'westeurope',
      identity: IDENTITY,
      subnetId: SUBNET,
      tags: { team: 'data' },
    });

    expect(build(input)).toEqual({
      location: 'westeurope',
      tags: {
        team: 'data',
        'aci-batch-managed-by': 'aci-batch',
        'aci-batch-tenant': 'acme',
        'aci-batch-job-id': 'nightly',
        'aci-batch-workflow-id': 'acme.nightly.1',
        'aci-batch-instance': '1',
      },
      identity: { type: 'UserAssigned', userAssignedIdentities: { [IDENTITY]: {} } },
      containers: [
        {
          name: 'job',
          image: 'myacr.azurecr.io/batch/job:1.0',
          command: ['python', 'main.py', '--shard', '1'],
          ports: [{ port: 8080 }],
          environmentVariables: [
            { name: 'MODE', value: 'full' },
            { name: 'SHARED', value: 'instance' },
            { name: 'SHARD', value: '1' },
            { name: 'ACI_BATCH_RUN_ID', value: 'acme.nightly.1' },
            { name: 'ACI_BATCH_JOB_ID', value: 'nightly' },
            { name: 'ACI_BATCH_TENANT', value: 'acme' },
            { name: 'ACI_BATCH_INSTANCE_INDEX', value: '1' },
            { name: 'ACI_BATCH_CALLBACK_URL', value: 'https://api.example.com/v1/runs/acme.nightly.1' },
            { name: 'DB_PASSWORD', secureValue: 'pw-s3cret' },
            { name: 'ACI_BATCH_CALLBACK_TOKEN', secureValue: 'tok-s3cret' },
          ],
          resources: { requests: { cpu: 2, memoryInGB: 8 } },
        },
      ],
      imageRegistryCredentials: [{ server: 'myacr.azurecr.io', identity: IDENTITY }],
      restartPolicy: 'Never',
      osType: 'Linux',
      sku: 'Standard',
      ipAddress: { type: 'Private', ports: [{ protocol: 'TCP', port: 8080 }] },
      subnetIds: [{ id: SUBNET }],
    });
  });

  it('keeps the spec command for instances without an override, and a public IP without a subnet', () => {
    const input = request(
      { tenant: 'acme', image: 'node:20', command: ['node', 'job.js'], instances: 2, ports: [80, 8080] },
      0,
    );
    const body = build(input);
    expect(body.containers[0]?.command).toEqual(['node', 'job.js']);
    expect(body.ipAddress).toEqual({
      type: 'Public',
      ports: [
        { protocol: 'TCP', port: 80 },
        { protocol: 'TCP', port: 8080 },
      ],
    });
    expect(body.tags?.['aci-batch-instance']).toBe('0');
    expect(body).not.toHaveProperty('subnetIds');
    expect(body).not.toHaveProperty('identity');
    expect(body).not.toHaveProperty('imageRegistryCredentials');
  });

  it('leaves out command, IP address and registry credentials when there is nothing to set', () => {
    // an identity, but a Docker Hub image: no registry to log in to
    const input = request({ tenant: 'acme', image: 'busybox', identity: IDENTITY, instances: 2 });
    const body = build(input);
    expect(body.containers[0]).not.toHaveProperty('command');
    expect(body).not.toHaveProperty('ipAddress');
    expect(body).not.toHaveProperty('imageRegistryCredentials');
    expect(body.identity?.type).toBe('UserAssigned');
    expect(body.containers[0]?.resources).toEqual({ requests: { cpu: 1, memoryInGB: 1.5 } });
  });

  it('lists the secret values so that error messages can redact them', () => {
    const input = request({ tenant: 'acme', image: 'busybox', secretEnv: { A: 'x1' }, instances: 2 });
    expect(secretValues(prepareCreateRequest(input, TOKEN))).toEqual(['x1', 'tok-s3cret']);
  });
});

describe('prepareCreateRequest', () => {
  const spec: JobSpecInput = { tenant: 'acme', image: 'busybox', instances: 2 };

  it('gives a container reporting by signal the Temporal address, and one judged by exit code neither', () => {
    const bySignal = prepareCreateRequest(
      request(spec, 1, {
        reporting: { kind: 'signal', address: 'temporal.internal:7233', namespace: 'batch' },
      }),
      undefined,
    );
    expect(bySignal.env).toMatchObject({
      ACI_BATCH_TEMPORAL_ADDRESS: 'temporal.internal:7233',
      ACI_BATCH_TEMPORAL_NAMESPACE: 'batch',
    });
    expect(bySignal.env).not.toHaveProperty('ACI_BATCH_CALLBACK_URL');
    expect(bySignal.secureEnv).toEqual({});
    const byExitCode = prepareCreateRequest(request(spec, 1, { reporting: { kind: 'exitCode' } }), undefined);
    expect(Object.keys(byExitCode.env).sort()).toEqual([
      'ACI_BATCH_INSTANCE_INDEX',
      'ACI_BATCH_JOB_ID',
      'ACI_BATCH_RUN_ID',
      'ACI_BATCH_TENANT',
    ]);
  });

  it('requires a resource group', () => {
    const failure = invalid(request(spec, 1, { resourceGroup: '' }));
    expect(failure.type).toBe('AciInvalidSpec');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('resourceGroup is required');
  });

  it('lists every problem in one non-retryable failure', () => {
    const input = request(spec);
    const failure = invalid({ ...input, name: 'Bad_Name-', run: { ...input.run, workflowId: '' } });
    expect(failure.type).toBe('AciInvalidSpec');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('name "Bad_Name-" is not a valid container group name');
    expect(failure.message).toContain('run.workflowId must be');
  });

  it('refuses a variable set both as plain and as secret env, without showing the secret', () => {
    const failure = invalid(
      request(
        { tenant: 'acme', image: 'busybox', env: { TOKEN: 'plain' }, secretEnv: { TOKEN: 'hidden-value' } },
        0,
      ),
    );
    expect(failure.message).toContain('environment variable TOKEN is set both as plain and as secret env');
    expect(failure.message).not.toContain('hidden-value');
  });
});

describe('registryHost', () => {
  it.each([
    ['myacr.azurecr.io/batch/job:1.0', 'myacr.azurecr.io'],
    ['localhost:5000/job', 'localhost:5000'],
    ['localhost/job', 'localhost'],
    ['library/node:20', undefined],
    ['node:20', undefined],
    ['ghcr.io/acme/job@sha256:abc', 'ghcr.io'],
  ])('%s → %s', (image, host) => {
    expect(registryHost(image)).toBe(host);
  });
});
