import { describe, expect, it } from 'vitest';
import type { GroupCondition, OwnerStatus } from '../../src/activities/types';
import { ConfigError } from '../../src/config';
import { loadJanitorScheduleConfig } from '../../src/janitor-schedule';
import { judgeGroup } from '../../src/workflows/janitor-policy';

const now = Date.parse('2026-11-24T12:00:00Z');
const day = 24 * 3600_000;
const week = 7 * day;
const ago = (ms: number) => new Date(now - ms).toISOString();
const group = (condition: Partial<GroupCondition>): GroupCondition => ({
  resourceGroup: 'rg',
  name: 'g',
  exists: true,
  atRest: false,
  ...condition,
});
const running: OwnerStatus = { state: 'running' };
const missing: OwnerStatus = { state: 'missing' };
const closed = (closedAgoMs: number): OwnerStatus => ({
  state: 'closed',
  status: 'COMPLETED',
  closedAt: ago(closedAgoMs),
});

describe('what the janitor does with a managed group', () => {
  it('keeps the group of a run that still runs, whatever its state', () => {
    expect(judgeGroup(running, undefined, now, week)).toEqual({ action: 'keep', reason: 'ownerRunning' });
    expect(
      judgeGroup(running, group({ atRest: true, restingSince: ago(30 * day) }), now, week),
    ).toMatchObject({
      action: 'keep',
    });
  });

  it('deletes a group that still runs when its run is over or unknown', () => {
    expect(judgeGroup(closed(60_000), group({}), now, week)).toEqual({
      action: 'delete',
      reason: 'ownerClosed',
    });
    expect(judgeGroup(missing, group({}), now, week)).toEqual({ action: 'delete', reason: 'ownerMissing' });
  });

  it('keeps a group at rest for the retention, counted from when its container stopped', () => {
    const resting = (since: number) => group({ atRest: true, restingSince: ago(since) });
    expect(judgeGroup(closed(week * 2), resting(day), now, week)).toEqual({
      action: 'keep',
      reason: 'retained',
    });
    expect(judgeGroup(missing, resting(week), now, week)).toEqual({
      action: 'delete',
      reason: 'retentionExpired',
    });
  });

  it("falls back to the run's close time, and deletes a group at rest with no known time and no run", () => {
    const atRest = group({ atRest: true });
    expect(judgeGroup(closed(day), atRest, now, week)).toMatchObject({ action: 'keep', reason: 'retained' });
    expect(judgeGroup(closed(week + 1), atRest, now, week)).toMatchObject({ action: 'delete' });
    expect(judgeGroup(missing, atRest, now, week)).toEqual({ action: 'delete', reason: 'retentionExpired' });
  });

  it('does nothing with a group that went away since it was listed', () => {
    expect(judgeGroup(missing, group({ exists: false }), now, week)).toEqual({ action: 'none' });
  });
});

describe("the janitor's schedule configuration", () => {
  it('is off unless an interval is set; the retention defaults to 7 days', () => {
    expect(loadJanitorScheduleConfig({})).toBeUndefined();
    expect(loadJanitorScheduleConfig({ ACI_BATCH_JANITOR_INTERVAL: '15m' })).toEqual({
      interval: '15m',
      stoppedRetention: '7 days',
      resourceGroup: undefined,
    });
  });

  it('names each bad variable', () => {
    const load = () =>
      loadJanitorScheduleConfig({
        ACI_BATCH_JANITOR_INTERVAL: '10s',
        ACI_BATCH_STOPPED_RETENTION: 'a week',
        ACI_BATCH_JANITOR_RESOURCE_GROUP: 'bad/name',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/ACI_BATCH_JANITOR_INTERVAL: must be a duration between 1m and 1d/);
    expect(load).toThrow(/ACI_BATCH_STOPPED_RETENTION: "a week" is not a duration/);
    expect(load).toThrow(/ACI_BATCH_JANITOR_RESOURCE_GROUP: must be 1-90 letters/);
  });
});
