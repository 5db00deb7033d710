import { describe, expect, it } from 'vitest';
import {
  GPU_RETIRED,
  instanceCount,
  JobSpecError,
  parseJobSpec,
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
      region: 'eastus',
      env: {},
      secretEnv: {},
      ports: [],
    });
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

  it('rejects a non-object with a clear message', () => {
    expect(() => parseJobSpec('not a spec')).toThrow(/Invalid job spec/);
  });
});
