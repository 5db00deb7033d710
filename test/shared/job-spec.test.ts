import { describe, expect, it } from 'vitest';
import {
  GPU_RETIRED,
  instanceCount,
  JobSpecError,
  parseJobSpec,
  regionOf,
  specForInstance,
  type SubmittedJobSpec,
} from '../../src/shared/job-spec';

const minimal = { tenant: 'acme', image: 'acibatch.azurecr.io/samples/batch-job:1' };

function problemsOf(input: unknown): Record<string, string> {
  try {
    parseJobSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(JobSpecError);
    return Object.fromEntries((error as JobSpecError).problems.map((p) => [p.path, p.message]));
  }
  throw new Error('expected the spec to be rejected');
}

describe('job spec', () => {
  it('fills every default on a minimal spec', () => {
    const spec = parseJobSpec(minimal);
    expect(spec).toMatchObject({
      cpu: 1,
      memoryGB: 1.5,
      instances: 1,
      maxParallel: 10,
      timeLimit: '1h',
      monitorInterval: '30s',
      onFailure: { action: 'restart', maxRestarts: 2, backoff: '10s', exhausted: 'delete' },
      onSuccess: 'delete',
      env: {},
      secretEnv: {},
      ports: [],
    });
    expect(regionOf(spec)).toBe('eastus');
  });

  it('is idempotent: a parsed spec parses to itself (the workflow re-validates what the client sent)', () => {
    const once = parseJobSpec({ ...minimal, instances: [{ env: { SHARD: '1' } }, {}], timeLimit: '3 days' });
    expect(parseJobSpec(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it('names the field and the fix for each problem, all at once', () => {
    const problems = problemsOf({
      tenant: 'Acme Corp',
      image: '',
      cpu: 64,
      ports: [20008],
      timeLimit: 'forever',
      onFailure: { action: 'explode' },
      env: { ACI_BATCH_RUN_ID: 'x', '1BAD': 'y' },
      extra: true,
    });
    expect(problems.tenant).toMatch(/lowercase letters, digits and single hyphens/);
    expect(problems.image).toMatch(/must not be empty/);
    expect(problems.cpu).toMatch(/at most 31/);
    expect(problems['ports.0']).toMatch(/reserved by ACI.*outside that range/);
    expect(problems.timeLimit).toMatch(/"forever" is not a duration; use e.g. "30s"/);
    expect(problems['onFailure.action']).toMatch(/"restart", "stop" or "delete"/);
    expect(problems['env.ACI_BATCH_RUN_ID']).toMatch(/set by aci-batch itself/);
    expect(problems['env.1BAD']).toMatch(/not starting with a digit/);
    expect(problems['(spec)']).toMatch(/unknown field\(s\) extra/);
  });

  it('rejects durations out of range and a control port that is not exposed', () => {
    const problems = problemsOf({
      ...minimal,
      timeLimit: '31 days',
      monitorInterval: '0s',
      control: { port: 8080 },
    });
    expect(problems.timeLimit).toMatch(/between 1s and 30 days/);
    expect(problems.monitorInterval).toMatch(/between 1s and 1h/);
    expect(problems['control.port']).toMatch(/must also be listed in ports/);
  });

  it('counts instances given as a number or as per-instance parameters, and resolves each one', () => {
    expect(instanceCount(parseJobSpec({ ...minimal, instances: 7 }))).toBe(7);
    const listed = parseJobSpec({
      ...minimal,
      jobId: 'sharded',
      env: { MODE: 'full', SHARD: 'none' },
      command: ['run'],
      instances: [{ env: { SHARD: '0' } }, { command: ['run', '1'] }],
    }) as SubmittedJobSpec;
    expect(instanceCount(listed)).toBe(2);
    const first = specForInstance(listed, 0);
    expect(first).toMatchObject({ env: { MODE: 'full', SHARD: '0' }, command: ['run'], jobId: 'sharded' });
    expect(first).not.toHaveProperty('instances');
    expect(first).not.toHaveProperty('maxParallel');
    expect(specForInstance(listed, 1)).toMatchObject({
      env: { MODE: 'full', SHARD: 'none' },
      command: ['run', '1'],
    });
  });

  it('refuses a GPU, saying why and what to use instead (ACI retired its GPU SKUs)', () => {
    expect(problemsOf({ ...minimal, gpu: { count: 1, sku: 'V100' } })).toEqual({ gpu: GPU_RETIRED });
  });

  it('placement: pools in order, Spot never by default, an evicted run moves to Regular unless told to wait', () => {
    const spec = parseJobSpec({ ...minimal, placement: { pools: ['eastus', 'batch-west'] } });
    expect(spec.placement).toEqual({
      pools: ['eastus', 'batch-west'],
      spot: 'never',
      onEviction: { action: 'regular', maxWait: '10m' },
    });
    // a region the placement names too is consistent
    expect(parseJobSpec({ ...minimal, region: 'eastus', placement: { pools: ['eastus'] } }).region).toBe(
      'eastus',
    );
  });

  it('placement supersedes region and resource group: a spec that contradicts it is refused', () => {
    expect(
      problemsOf({ ...minimal, region: 'westus', resourceGroup: 'rg', placement: { pools: ['eastus'] } }),
    ).toEqual({
      region:
        'placement supersedes region: "westus" is not among placement.pools; list it there and leave region out',
      resourceGroup:
        'placement supersedes resourceGroup: each pool has its own resource group (the capacity file); leave resourceGroup out',
    });
    expect(problemsOf({ ...minimal, placement: { pools: [] } })).toEqual({
      'placement.pools': 'placement.pools must name at least one pool or region',
    });
    expect(problemsOf({ ...minimal, placement: { pools: ['a', 'a'] } })).toEqual({
      'placement.pools': 'placement.pools names a pool twice',
    });
  });

  it('Spot: no public IP, no subnet, at most 4 vCPU and 16 GB, each refused with the fix', () => {
    const problems = problemsOf({
      ...minimal,
      cpu: 8,
      memoryGB: 32,
      ports: [8080],
      subnetId: '/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s',
      placement: { pools: ['westus'], spot: 'prefer' },
    });
    expect(problems).toEqual({
      ports:
        'Spot groups cannot have a public IP (so no ports, and no control endpoint): remove ports, or set placement.spot to never',
      subnetId: 'Spot groups cannot join a virtual network: remove subnetId, or set placement.spot to never',
      cpu: 'Spot groups have at most 4 vCPU: ask for less, or set placement.spot to never',
      memoryGB: 'Spot groups have at most 16 GB: ask for less, or set placement.spot to never',
    });
    // the same spec without Spot is fine as far as placement goes
    expect(() =>
      parseJobSpec({ ...minimal, cpu: 4, ports: [8080], placement: { pools: ['westus'], spot: 'never' } }),
    ).not.toThrow();
  });

  it('rejects a non-object with a clear message', () => {
    expect(() => parseJobSpec('not a spec')).toThrow(/Invalid job spec/);
  });
});
