/**
 * The benchmark still runs: `bench --quick` as a subprocess on the run's dev server, bounded in time, and its
 * results (Markdown, JSON, SVG chart) are written and well-formed; the capacity scenario ran both sides.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import type { BenchResults } from '../../bench/results';

const ROOT = resolve(__dirname, '..', '..');

it(
  'runs `bench --quick` and writes a Markdown report, JSON results and an SVG chart',
  { timeout: 150_000 },
  async () => {
    const out = mkdtempSync(join(tmpdir(), 'aci-batch-bench-quick-'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/main.ts', '--quick', '--out', out],
      {
        cwd: ROOT,
        env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalDevAddress') },
        timeout: 140_000,
        maxBuffer: 10 * 2 ** 20,
      },
    );

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(results.quick).toBe(true);
    expect(results.profiles.map((profile) => profile.name)).toEqual(['zero', 'realistic']);
    for (const profile of results.profiles) {
      const { startToCreateMs, completionToDeleteMs } = profile.overhead;
      for (const measured of [startToCreateMs.median, startToCreateMs.p99, completionToDeleteMs.median]) {
        expect(measured).toBeGreaterThan(0);
      }
      expect(profile.fanOut.length).toBeGreaterThan(0);
      for (const fanOut of profile.fanOut) expect(fanOut.ratio).toBeGreaterThan(0);
      expect(profile.worker.peakRssMb).toBeGreaterThan(0);
    }
    const zero = results.profiles[0]!;
    expect(zero.throughput?.runsPerSecond).toBeGreaterThan(0);
    expect(zero.signals?.perRun.perSecond).toBeGreaterThan(0);
    expect(results.targets).toHaveLength(6);

    // capacity: every run of both sides ran, admission held them to the account without a refusal, and the
    // queued instances were shown with their places and start estimates
    const capacity = results.capacity!;
    expect(capacity.on.admission).toBe(true);
    expect(capacity.off.admission).toBe(false);
    expect(capacity.floor.seconds).toBeGreaterThan(0);
    for (const side of [capacity.on, capacity.off]) {
      expect(side.runs).toBe(capacity.runs);
      expect(side.floorRatio).toBeGreaterThanOrEqual(1);
      expect(side.shares.tenants.map((tenant) => tenant.tenant)).toEqual(['alpha', 'beta', 'gamma']);
    }
    expect(capacity.on.creates).toMatchObject({ throttled: 0, quotaRefused: 0 });
    expect(capacity.off.creates.requests).toBeGreaterThanOrEqual(capacity.runs);
    expect(capacity.on.estimates?.runs).toBeGreaterThan(0);

    const report = readFileSync(join(out, 'results.md'), 'utf8');
    expect(report).toContain('| measure | zero latency | realistic latency |');
    expect(report).toContain('### Targets');
    expect(report).toContain('### Capacity: admission on and off');
    expect(stdout).toContain('| measure | zero latency | realistic latency |');
    const chart = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect(chart.startsWith('<svg')).toBe(true);
    expect(chart.trimEnd().endsWith('</svg>')).toBe(true);
    expect(chart).toContain('Fan-out wall time');
    expect(chart).toContain('Capacity: makespan');
  },
);
