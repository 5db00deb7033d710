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
import { nextStep, verdictOf } from '../../src/workflows/outcome';

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
    });
  });

  it('prices container-seconds from vCPU and memory', () => {
    // one hour of 1 vCPU and 1.5 GB in eastus: 0.0405 + 1.5 × 0.00445
    expect(
      containerCostUsd(3600, { cpu: 1, memoryGB: 1.5 }, { vcpuHourUsd: 0.0405, memoryGbHourUsd: 0.00445 }),
    ).toBe(0.047175);
  });
});
