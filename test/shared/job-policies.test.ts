/** The spec fields of job-level policies: failure and success policies, dependencies, reruns' indexes. */
import { describe, expect, it } from 'vitest';
import {
  instanceIndexAt,
  JobSpecError,
  parseIndexList,
  parseJobSpec,
  specForInstance,
  type SubmittedJobSpec,
} from '../../src/shared/job-spec';

const minimal = { tenant: 'acme', image: 'acibatch.azurecr.io/samples/batch-job:1', instances: 10 };

function problemsOf(input: unknown): Record<string, string> {
  try {
    parseJobSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(JobSpecError);
    return Object.fromEntries((error as JobSpecError).problems.map((p) => [p.path, p.message]));
  }
  throw new Error('expected the spec to be rejected');
}

describe('job-level policies in the spec', () => {
  it('leaves them out by default: a job behaves as before', () => {
    const spec = parseJobSpec(minimal);
    for (const field of ['failurePolicy', 'successPolicy', 'dependsOn', 'instanceIndexes', 'rerunOf']) {
      expect(spec).not.toHaveProperty(field);
    }
  });

  it('accepts a failure policy with tolerance and rules, a success policy and dependencies', () => {
    const spec = parseJobSpec({
      ...minimal,
      jobId: 'load-1',
      failurePolicy: {
        maxFailedInstances: 2,
        maxFailedPercent: 25,
        rules: [
          { action: 'RestartInstance', onExitCodes: { operator: 'In', values: [137] } },
          { action: 'RestartInstance', onReason: 'Evicted' },
          { action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } },
          { action: 'Ignore', onReason: 'Reported', onExitCodes: { operator: 'NotIn', values: [1] } },
        ],
      },
      successPolicy: { succeededIndexes: '0-3,7', succeededCount: 3 },
      dependsOn: { jobs: ['extract-1', 'extract-2'] },
    });
    expect(spec.dependsOn).toEqual({ jobs: ['extract-1', 'extract-2'], condition: 'AllSucceeded' });
    expect(spec.failurePolicy?.rules).toHaveLength(4);
    expect(parseJobSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('names each wrong policy field and its fix', () => {
    const problems = problemsOf({
      ...minimal,
      jobId: 'self',
      failurePolicy: {
        maxFailedInstances: -1,
        maxFailedPercent: 120,
        rules: [
          { action: 'Retry', onExitCodes: { operator: 'Is', values: [] } },
          { action: 'FailJob' },
          { action: 'RestartInstance', onReason: 'CreateFailed' },
          { action: 'Ignore', onReason: 'Oops' },
        ],
      },
      successPolicy: { succeededIndexes: '0-3,12', succeededCount: 50 },
      dependsOn: { jobs: ['self', 'a', 'a'], condition: 'Sometimes' },
    });
    expect(problems['failurePolicy.maxFailedInstances']).toMatch(/at least 0/);
    expect(problems['failurePolicy.maxFailedPercent']).toMatch(/from 0 to 100/);
    expect(problems['failurePolicy.rules.0.action']).toMatch(
      /"RestartInstance", "FailInstance", "FailJob" or "Ignore"/,
    );
    expect(problems['failurePolicy.rules.0.onExitCodes.operator']).toMatch(/"In" or "NotIn"/);
    expect(problems['failurePolicy.rules.0.onExitCodes.values']).toMatch(/at least one exit code/);
    expect(problems['failurePolicy.rules.1']).toMatch(/needs onExitCodes, onReason or both/);
    expect(problems['failurePolicy.rules.2.action']).toMatch(/cannot be restarted; use FailInstance/);
    expect(problems['failurePolicy.rules.3.onReason']).toMatch(/one of Reported, Exited, TimedOut, Evicted/);
    expect(problems['dependsOn.jobs']).toMatch(/must not name a job twice/);
    expect(problems['dependsOn.condition']).toMatch(/"AllSucceeded" \(the default\) or "AllFinished"/);
  });

  it('refuses a job that depends on itself, and a success policy naming instances it lacks or asking for more than it counts from', () => {
    expect(
      problemsOf({ ...minimal, successPolicy: { succeededIndexes: '0-3,12' } })[
        'successPolicy.succeededIndexes'
      ],
    ).toMatch(/instance 12 is not one of this job's instances \(0 to 9\)/);
    expect(
      problemsOf({ ...minimal, jobId: 'a', dependsOn: { jobs: ['b', 'a'] } })['dependsOn.jobs.1'],
    ).toMatch(/cannot depend on itself/);
    expect(
      problemsOf({ ...minimal, successPolicy: { succeededIndexes: '1,2', succeededCount: 3 } })[
        'successPolicy.succeededCount'
      ],
    ).toMatch(/3 is more than the 2 instances it counts from/);
    expect(
      problemsOf({ ...minimal, successPolicy: { succeededCount: 11 } })['successPolicy.succeededCount'],
    ).toMatch(/more than the 10 instances/);
    expect(problemsOf({ ...minimal, successPolicy: {} }).successPolicy).toMatch(/needs succeededIndexes/);
    expect(
      problemsOf({ ...minimal, successPolicy: { succeededIndexes: '3-1' } })[
        'successPolicy.succeededIndexes'
      ],
    ).toMatch(/must go up/);
  });

  it('checks instanceIndexes: one per instance, none twice; a success policy names those indexes', () => {
    const problems = problemsOf({ ...minimal, instances: 3, instanceIndexes: [4, 4] });
    expect(problems.instanceIndexes).toMatch(/one index per instance \(3\), not 2/);
    expect(problems['instanceIndexes.1']).toMatch(/listed twice/);
    const spec = parseJobSpec({
      ...minimal,
      jobId: 'r',
      instances: [{ env: { SHARD: 'b' } }, { env: { SHARD: 'h' } }],
      instanceIndexes: [1, 7],
      successPolicy: { succeededIndexes: '7' },
    }) as SubmittedJobSpec;
    expect(instanceIndexAt(spec, 1)).toBe(7);
    expect(instanceIndexAt(parseJobSpec(minimal), 4)).toBe(4);
    expect(specForInstance(spec, 1).env).toEqual({ SHARD: 'h' });
    // what only the job needs never reaches a run's input
    expect(specForInstance(spec, 1)).not.toHaveProperty('instanceIndexes');
    expect(specForInstance(spec, 1)).not.toHaveProperty('successPolicy');
    expect(
      problemsOf({
        ...minimal,
        instances: 2,
        instanceIndexes: [1, 7],
        successPolicy: { succeededIndexes: '2' },
      })['successPolicy.succeededIndexes'],
    ).toMatch(/instance 2 is not one of this job's instances \(instanceIndexes\)/);
  });

  it('reads index lists', () => {
    expect(parseIndexList('0-3,7,2')).toEqual({ indexes: [0, 1, 2, 3, 7] });
    expect(parseIndexList('5-2').problem).toMatch(/must go up/);
    expect(parseIndexList('0-10000').problem).toMatch(/below 10000/);
  });
});
