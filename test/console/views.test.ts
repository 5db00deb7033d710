/**
 * The console's pure parts: routes (the key never in one), the instance grid's layout, hit tests and keyboard
 * moves at 3 and 10,000 instances, instance cells from a status or a summary (a rerun's under their original
 * numbers), the jobs list's query (Waiting, a schedule), what a rerun would run, cost per day, the optional
 * routes read from the OpenAPI document, money and durations in words.
 */
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/console/api/capabilities';
import { hrefOf, parseRoute } from '../../src/console/app/routes';
import { costByDay, topJobs } from '../../src/console/cost/by-day';
import { cellAt, cellOrigin, gridLayout, moveSelection } from '../../src/console/job/grid-layout';
import { indexAt, instanceCells, positionOf, queueSummary } from '../../src/console/job/instances';
import { listQuery, STATUS_FILTERS } from '../../src/console/jobs/filters';
import { rerunCount } from '../../src/console/jobs/job-counts';
import { seconds, usd } from '../../src/console/ui/format';
import { countPhases, PHASE_CODE } from '../../src/console/ui/phases';
import type { JobAnswer } from '../../src/console/api/types';

describe('routes', () => {
  it.each([
    ['', { page: 'jobs' }],
    ['#/jobs?status=Failed&since=7d', { page: 'jobs', status: 'Failed', since: '7d' }],
    ['#/jobs?schedule=nightly&status=Waiting', { page: 'jobs', schedule: 'nightly', status: 'Waiting' }],
    ['#/jobs/nightly-1', { page: 'job', jobId: 'nightly-1' }],
    ['#/jobs/nightly-1/instances/42', { page: 'job', jobId: 'nightly-1', instance: 42 }],
    ['#/submit', { page: 'submit' }],
    ['#/cost?period=90d', { page: 'cost', period: '90d' }],
    ['#/schedules', { page: 'schedules' }],
    ['#/jobs/a/instances/x', { page: 'not-found', path: '/jobs/a/instances/x' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(expect.objectContaining(route));
    if (route.page !== 'not-found') expect(parseRoute(hrefOf(parseRoute(hash)))).toEqual(parseRoute(hash));
  });
});

describe('the instance grid', () => {
  it('shrinks its cells as instances grow, and fills the width', () => {
    expect(gridLayout(3, 800)).toMatchObject({ cell: 22, columns: 3, rows: 1 });
    const thousand = gridLayout(1000, 800);
    expect(thousand.cell).toBe(12);
    expect(thousand.width).toBeLessThanOrEqual(800);
    const huge = gridLayout(10_000, 1100);
    expect(huge).toMatchObject({ cell: 7, gap: 1, columns: 137 });
    expect(huge.rows).toBe(Math.ceil(10_000 / 137));
    expect(gridLayout(10_000, 320).width).toBeLessThanOrEqual(320); // a phone
  });

  it('finds the instance under a point, none in a gap or past the end', () => {
    const layout = gridLayout(10_000, 1100);
    for (const index of [0, 136, 137, 5000, 9999]) {
      const { x, y } = cellOrigin(layout, index);
      expect(cellAt(layout, 10_000, x + 3, y + 3)).toBe(index);
    }
    const { x, y } = cellOrigin(layout, 5);
    expect(cellAt(layout, 10_000, x + layout.cell + 0.5, y)).toBeUndefined();
    const last = cellOrigin(layout, 9999);
    expect(cellAt(layout, 10_000, last.x + 8 + 3, last.y + 3)).toBeUndefined();
  });

  it('moves by keys within the instances', () => {
    const layout = gridLayout(10_000, 1100);
    expect(moveSelection(layout, 10_000, 0, 'ArrowLeft')).toBe(0);
    expect(moveSelection(layout, 10_000, 0, 'ArrowDown')).toBe(137);
    expect(moveSelection(layout, 10_000, 0, 'PageDown')).toBe(1370);
    expect(moveSelection(layout, 10_000, 9990, 'ArrowDown')).toBe(9999);
    expect(moveSelection(layout, 10_000, 5, 'End')).toBe(9999);
    expect(moveSelection(layout, 10_000, 5, 'Home')).toBe(0);
    expect(moveSelection(layout, 10_000, 5, 'a')).toBeUndefined();
  });

  it('takes its cells from a live status (queue included) or a summary', () => {
    const running: JobAnswer = {
      tenant: 'acme',
      jobId: 'j',
      state: 'Running',
      status: {
        tenant: 'acme',
        jobId: 'j',
        state: 'Running',
        total: 4,
        counts: { pending: 1, queued: 1, running: 1, Succeeded: 1, Failed: 0, TimedOut: 0, Cancelled: 0 },
        percent: 40,
        instances: [
          { index: 0, phase: 'Succeeded' },
          { index: 1, phase: 'Running', percent: 60 },
          { index: 2, phase: 'Queued', queuePosition: 3, estimatedStartAt: '2026-11-24T00:00:00.000Z' },
        ],
      },
    };
    const cells = instanceCells(running);
    expect([...cells.codes]).toEqual(
      ['Succeeded', 'Running', 'Queued', 'Pending'].map((p) => PHASE_CODE.get(p as never)),
    );
    expect(cells.percents.get(1)).toBe(60);
    expect(queueSummary(cells)).toEqual({
      waiting: 1,
      next: { position: 3, estimatedStartAt: '2026-11-24T00:00:00.000Z' },
    });

    const ended = instanceCells({
      tenant: 'acme',
      jobId: 'j',
      state: 'Cancelled',
      result: {
        total: 3,
        runs: [
          { instanceIndex: 0, status: 'Succeeded' },
          { instanceIndex: 2, status: 'Cancelled' },
        ],
      },
    } as unknown as JobAnswer);
    expect(countPhases(ended.codes)).toEqual([
      { phase: 'Succeeded', count: 1 },
      { phase: 'Cancelled', count: 1 },
      { phase: 'NotStarted', count: 1 },
    ]);

    // a paged summary (more than 1,000 instances): the same grid, from its compact records
    const paged = instanceCells({
      tenant: 'acme',
      jobId: 'j',
      state: 'PartiallyFailed',
      result: {
        total: 3,
        runs: [],
        runsPaged: true,
        runRecords: [
          [0, 'Succeeded', 0, 60, 0.0008, 0],
          [1, 'Failed', 3, 60, 0.0008, 0],
          [2, 'Cancelled', null, 0, 0, 4],
        ],
      },
    } as unknown as JobAnswer);
    expect([...paged.codes]).toEqual(
      ['Succeeded', 'Failed', 'Cancelled'].map((p) => PHASE_CODE.get(p as never)),
    );
  });
});

describe('the jobs list query', () => {
  it('filters by a known status and a start time relative to now, and pages', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    expect(listQuery({ status: 'Failed', since: '24h' }, 'tok', 20, now)).toBe(
      '/v1/jobs?pageSize=20&status=Failed&since=2026-11-23T12%3A00%3A00.000Z&pageToken=tok',
    );
    expect(listQuery({ status: 'Bogus', since: 'forever' }, undefined, 20, now)).toBe('/v1/jobs?pageSize=20');
  });

  it('offers every state a job can be listed by, Waiting first, and the schedule that started them', () => {
    expect(STATUS_FILTERS).toEqual([
      'Waiting',
      'Running',
      'Completed',
      'PartiallyFailed',
      'Failed',
      'Cancelled',
    ]);
    expect(listQuery({ status: 'Waiting', schedule: 'nightly' }, undefined, 20)).toBe(
      '/v1/jobs?pageSize=20&status=Waiting&schedule=nightly',
    );
    // a name the API would refuse is left out, rather than answered 400
    expect(listQuery({ schedule: 'Nightly Job' }, undefined, 20)).toBe('/v1/jobs?pageSize=20');
  });
});

describe('a rerun', () => {
  const rerunStatus = (instances: Array<{ index: number; phase: 'Running' | 'Pending' | 'Failed' }>) =>
    ({
      tenant: 'acme',
      jobId: 'j-rerun-1',
      state: 'Running',
      rerunOf: 'j',
      status: {
        tenant: 'acme',
        jobId: 'j-rerun-1',
        state: 'Running',
        total: instances.length,
        counts: { pending: 1, queued: 0, running: 1, Succeeded: 0, Failed: 1, TimedOut: 0, Cancelled: 0 },
        percent: 33,
        instances,
      },
    }) as JobAnswer;

  it('shows its instances under their original numbers, live and once ended', () => {
    const live = instanceCells(
      rerunStatus([
        { index: 2, phase: 'Failed' },
        { index: 7, phase: 'Running' },
        { index: 9, phase: 'Pending' },
      ]),
    );
    expect(live.codes.length).toBe(3);
    expect([...live.codes]).toEqual(['Failed', 'Running', 'Pending'].map((p) => PHASE_CODE.get(p as never)));
    expect([0, 1, 2].map((position) => indexAt(live, position))).toEqual([2, 7, 9]);
    expect(positionOf(live, 7)).toBe(1);
    expect(positionOf(live, 1)).toBeUndefined();

    const ended = instanceCells({
      tenant: 'acme',
      jobId: 'j-rerun-1',
      state: 'Failed',
      result: {
        total: 2,
        runs: [
          { instanceIndex: 7, status: 'Succeeded' },
          { instanceIndex: 2, status: 'Failed' },
        ],
      },
    } as unknown as JobAnswer);
    expect([...ended.codes]).toEqual(['Failed', 'Succeeded'].map((p) => PHASE_CODE.get(p as never)));
    expect(indexAt(ended, 1)).toBe(7);

    // a paged summary (a rerun of more than 1,000 instances): the same, from its records
    const paged = instanceCells({
      tenant: 'acme',
      jobId: 'j-rerun-1',
      state: 'Failed',
      result: {
        total: 2,
        runs: [],
        runsPaged: true,
        runRecords: [
          [7, 'Succeeded', 0, 60, 0.0008, 0],
          [2, 'Failed', 3, 60, 0.0008, 0],
        ],
      },
    } as unknown as JobAnswer);
    expect([...paged.codes]).toEqual(['Failed', 'Succeeded'].map((p) => PHASE_CODE.get(p as never)));
    expect([0, 1].map((position) => indexAt(paged, position))).toEqual([2, 7]);
  });

  it('keeps position and index one where they are (any job but a rerun)', () => {
    const plain = instanceCells(
      rerunStatus([
        { index: 0, phase: 'Failed' },
        { index: 1, phase: 'Running' },
      ]),
    );
    expect(plain.indexes).toBeUndefined();
    expect(indexAt(plain, 1)).toBe(1);
    expect(positionOf(plain, 1)).toBe(1);
    expect(positionOf(plain, 2)).toBeUndefined();
  });

  it('runs the failed, timed-out and cancelled instances again, not the ignored failures', () => {
    const summary = (counts: Record<string, number>) =>
      ({
        tenant: 'acme',
        jobId: 'j',
        state: 'PartiallyFailed',
        result: { total: 10, succeeded: 0, failed: 0, timedOut: 0, cancelled: 0, ...counts },
      }) as unknown as JobAnswer;
    expect(rerunCount(summary({ succeeded: 4, failed: 2, timedOut: 1, cancelled: 1, ignored: 2 }))).toBe(4);
    expect(rerunCount(summary({ succeeded: 8, ignored: 2 }))).toBe(0);
    expect(rerunCount({ tenant: 'acme', jobId: 'j', state: 'Waiting' })).toBe(0);
  });
});

describe('cost per day', () => {
  const job = (jobId: string, startedAt: string, costUsd: number) => ({
    jobId,
    outcome: 'Completed',
    startedAt,
    finishedAt: startedAt,
    instances: 1,
    billedSeconds: 10,
    costUsd,
  });

  it('puts each job on the UTC day it started, every day of the period listed', () => {
    const days = costByDay(
      [
        job('a', '2026-11-02T23:59:00Z', 0.1),
        job('b', '2026-11-02T00:00:00Z', 0.2),
        job('c', '2026-11-04T10:00:00Z', 0.3),
      ],
      '2026-11-01T12:00:00Z',
      '2026-11-05T00:00:00Z',
    );
    expect(days.map((day) => [day.day, day.costUsd, day.jobs])).toEqual([
      ['2026-11-01', 0, 0],
      ['2026-11-02', 0.3, 2],
      ['2026-11-03', 0, 0],
      ['2026-11-04', 0.3, 1],
    ]);
  });

  it('ranks the most expensive jobs', () => {
    const jobs = [
      job('a', '2026-11-01T00:00:00Z', 0.1),
      job('b', '2026-11-01T00:00:00Z', 0.3),
      job('c', '2026-11-01T00:00:00Z', 0.2),
    ];
    expect(topJobs(jobs, 2).map((entry) => entry.jobId)).toEqual(['b', 'c']);
  });
});

describe('capabilities', () => {
  it('shows schedules, reruns, the log archive and outputs only where their routes exist', () => {
    expect(capabilitiesOf(['/v1/jobs', '/v1/jobs/{jobId}'])).toEqual({
      schedules: false,
      rerun: false,
      logArchive: false,
      outputs: false,
    });
    expect(
      capabilitiesOf([
        '/v1/schedules',
        '/v1/schedules/{name}/pause',
        '/v1/jobs/{jobId}/rerun',
        '/v1/jobs/{jobId}/instances/{index}/logs',
        '/v1/jobs/{jobId}/instances/{index}/outputs',
      ]),
    ).toEqual({ schedules: true, rerun: true, logArchive: true, outputs: true });
  });
});

describe('money and durations', () => {
  it('shows cents, and six decimals for a fraction of a cent that is not zero', () => {
    expect(usd(undefined)).toBe('—');
    expect(usd(0)).toBe('$0.00');
    expect(usd(0.000075)).toBe('$0.000075');
    expect(usd(0.0099994)).toBe('$0.009999');
    expect(usd(0.01)).toBe('$0.01');
    expect(usd(12.3)).toBe('$12.30');
  });

  it('reads seconds as s, min and h', () => {
    expect(seconds(4.56)).toBe('4.6 s');
    expect(seconds(125)).toBe('2 min 5 s');
    expect(seconds(7260)).toBe('2 h 1 min');
  });
});
