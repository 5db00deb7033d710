import { describe, expect, it } from 'vitest';
import type { ContainerGroupState } from '../../src/shared/container-groups';
import { parseJobSpec } from '../../src/shared/job-spec';
import { containerCostUsd } from '../../src/shared/pricing';
import {
  capLogTail,
  capResult,
  LOG_TAIL_MAX_CHARS,
  RESULT_MAX_CHARS,
} from '../../src/workflows/history-limits';
import { observe } from '../../src/workflows/monitor';
import { matchRule, nextStep, verdictOf } from '../../src/workflows/outcome';
import type { FailureReason } from '../../src/shared/job-spec';

const policies = (overrides: object) => parseJobSpec({ tenant: 'acme', image: 'job:1', ...overrides });

describe('run decisions (pure)', () => {
  it('restarts a failure until maxRestarts, then applies the exhausted policy', () => {
    const spec = policies({
      onFailure: { action: 'restart', maxRestarts: 2, backoff: '30s', exhausted: 'stop' },
    });
    const failed = { status: 'Failed' } as const;
    expect(nextStep(failed, spec, 1)).toEqual({ action: 'restart', backoffMs: 30_000 });
    expect(nextStep(failed, spec, 2)).toEqual({ action: 'restart', backoffMs: 30_000 });
    expect(nextStep(failed, spec, 3)).toEqual({ action: 'finish', keepGroup: true });
  });

  it('keeps a group only when a policy says so, and never after a time-out', () => {
    expect(nextStep({ status: 'Succeeded' }, policies({}), 1)).toEqual({
      action: 'finish',
      keepGroup: false,
    });
    expect(nextStep({ status: 'Succeeded' }, policies({ onSuccess: 'stop' }), 1)).toEqual({
      action: 'finish',
      keepGroup: true,
    });
    expect(nextStep({ status: 'Failed' }, policies({ onFailure: { action: 'stop' } }), 1)).toEqual({
      action: 'finish',
      keepGroup: true,
    });
    expect(nextStep({ status: 'TimedOut' }, policies({ onFailure: { action: 'stop' } }), 1)).toEqual({
      action: 'finish',
      keepGroup: false,
    });
  });

  it('settles a silent exit from its exit code, and drops an oversized result', () => {
    expect(verdictOf({ kind: 'exited', exitCode: 0 }, '1h').status).toBe('Succeeded');
    expect(verdictOf({ kind: 'exited', exitCode: 2, detail: 'Error' }, '1h')).toMatchObject({
      status: 'Failed',
      exitCode: 2,
      message: 'the container exited with code 2 without reporting (Error)',
    });
    const big = verdictOf(
      {
        kind: 'reported',
        report: { status: 'Completed', reportId: 'r', result: 'x'.repeat(RESULT_MAX_CHARS) },
      },
      '1h',
    );
    expect(big.result).toBeUndefined();
    expect(big.message).toMatch(/^result dropped/);
    expect(capResult({ rows: 1 })).toEqual({ result: { rows: 1 } });
    expect(capLogTail('y'.repeat(10_000))).toHaveLength(LOG_TAIL_MAX_CHARS);
  });

  it('reads a group state: still working, exited, failed to provision, or gone', () => {
    const base: ContainerGroupState = { resourceGroup: 'rg', name: 'g', exists: true, events: [] };
    const running = {
      ...base,
      groupState: 'Running' as const,
      container: { state: 'Running' as const, restartCount: 0 },
    };
    expect(observe(running)).toBeUndefined();
    expect(observe({ ...base, container: { state: 'Terminated', exitCode: 3, restartCount: 0 } })).toEqual({
      kind: 'exited',
      exitCode: 3,
      detail: undefined,
    });
    expect(
      observe({
        ...base,
        provisioningState: 'Failed',
        events: [{ name: 'Failed', message: 'image not found', type: 'Warning', count: 1 }],
      }),
    ).toEqual({ kind: 'lost', reason: 'provisioning failed: image not found' });
    expect(observe({ ...base, exists: false })).toEqual({
      kind: 'lost',
      reason: 'the container group disappeared',
      evicted: true,
    });
    expect(observe({ ...base, groupState: 'Stopped' })).toMatchObject({ kind: 'lost', evicted: true });
  });

  it('gives each failure its reason: reported, exited, timed out, evicted or lost', () => {
    const report = { status: 'Failed' as const, reportId: 'r', exitCode: 2 };
    expect(verdictOf({ kind: 'reported', report }, '1h')).toMatchObject({ reason: 'Reported', exitCode: 2 });
    expect(
      verdictOf({ kind: 'reported', report: { ...report, status: 'Completed' } }, '1h'),
    ).not.toHaveProperty('reason');
    expect(verdictOf({ kind: 'exited', exitCode: 137 }, '1h')).toMatchObject({
      reason: 'Exited',
      exitCode: 137,
    });
    expect(verdictOf({ kind: 'timedOut' }, '1h')).toMatchObject({ status: 'TimedOut', reason: 'TimedOut' });
    expect(verdictOf({ kind: 'lost', reason: 'gone', evicted: true }, '1h').reason).toBe('Evicted');
    expect(verdictOf({ kind: 'lost', reason: 'no start' }, '1h').reason).toBe('Lost');
  });
});

describe('failure rules (pure)', () => {
  const rules = [
    { action: 'RestartInstance', onExitCodes: { operator: 'In', values: [137] } },
    { action: 'RestartInstance', onReason: 'Evicted' },
    { action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } },
    { action: 'Ignore', onReason: 'Reported', onExitCodes: { operator: 'In', values: [3] } },
    { action: 'FailInstance', onExitCodes: { operator: 'NotIn', values: [0, 1] } },
  ];
  const failed = (exitCode: number | undefined, reason: FailureReason = 'Exited') =>
    ({ status: 'Failed', exitCode, reason }) as const;

  it('matches the first rule whose exit codes and reason both hold; no exit code matches no exit-code rule', () => {
    const spec = policies({ failurePolicy: { rules } });
    const rule = (verdict: Parameters<typeof matchRule>[1]) => matchRule(spec.failurePolicy?.rules, verdict);
    expect(rule(failed(137))).toEqual({ index: 0, action: 'RestartInstance' });
    expect(rule(failed(undefined, 'Evicted'))).toEqual({ index: 1, action: 'RestartInstance' });
    expect(rule(failed(2, 'Reported'))).toEqual({ index: 2, action: 'FailJob' });
    // exit 3 with reason Exited: not the Ignore rule (it needs Reported), but NotIn [0, 1]
    expect(rule(failed(3))).toEqual({ index: 4, action: 'FailInstance' });
    expect(rule(failed(3, 'Reported'))).toEqual({ index: 3, action: 'Ignore' });
    expect(rule(failed(1))).toBeUndefined();
    expect(rule(failed(undefined, 'Lost'))).toBeUndefined();
    expect(rule({ status: 'Succeeded', exitCode: 2 })).toBeUndefined();
  });

  it('restarts by a rule within the restart budget, even when onFailure would not restart', () => {
    const deleting = policies({ onFailure: { action: 'delete' }, failurePolicy: { rules } });
    expect(nextStep(failed(137), deleting, 1)).toEqual({
      action: 'restart',
      backoffMs: 10_000,
      rule: { index: 0, action: 'RestartInstance' },
    });
    expect(nextStep(failed(137), deleting, 3)).toEqual({
      action: 'finish',
      keepGroup: false,
      rule: { index: 0, action: 'RestartInstance' },
    });
    const restarting = policies({
      onFailure: { action: 'restart', maxRestarts: 1, backoff: '3s', exhausted: 'stop' },
      failurePolicy: { rules },
    });
    expect(nextStep(failed(137), restarting, 1)).toMatchObject({ action: 'restart', backoffMs: 3000 });
    expect(nextStep(failed(137), restarting, 2)).toMatchObject({ action: 'finish', keepGroup: true });
  });

  it('ends the run at once for FailInstance, FailJob and Ignore, whatever onFailure says', () => {
    const spec = policies({ failurePolicy: { rules } }); // onFailure: restart 2 times by default
    expect(nextStep(failed(2), spec, 1)).toEqual({
      action: 'finish',
      keepGroup: false,
      rule: { index: 2, action: 'FailJob' },
    });
    expect(nextStep(failed(3, 'Reported'), spec, 1)).toMatchObject({
      action: 'finish',
      rule: { action: 'Ignore' },
    });
    expect(nextStep(failed(9), spec, 1)).toMatchObject({
      action: 'finish',
      rule: { action: 'FailInstance' },
    });
    // no rule matches: onFailure decides, as without rules
    expect(nextStep(failed(1), spec, 1)).toEqual({ action: 'restart', backoffMs: 10_000 });
  });

  it('may restart a timed-out run by a rule (without one a time-out is final)', () => {
    const spec = policies({
      failurePolicy: { rules: [{ action: 'RestartInstance', onReason: 'TimedOut' }] },
    });
    const timedOut = { status: 'TimedOut', reason: 'TimedOut' } as const;
    expect(nextStep(timedOut, spec, 1)).toMatchObject({ action: 'restart' });
    expect(nextStep(timedOut, policies({}), 1)).toEqual({ action: 'finish', keepGroup: false });
  });

  it('prices container-seconds from vCPU and memory', () => {
    // one hour of 1 vCPU and 1.5 GB in eastus: 0.0405 + 1.5 × 0.00445
    expect(
      containerCostUsd(3600, { cpu: 1, memoryGB: 1.5 }, { vcpuHourUsd: 0.0405, memoryGbHourUsd: 0.00445 }),
    ).toBe(0.047175);
  });
});
