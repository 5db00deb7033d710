/**
 * The benchmark still runs: `bench --quick` as a subprocess on the run's dev server, bounded in time, and its
 * results (Markdown, JSON, SVG chart) are written and well-formed.
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
  { timeout: 110_000 },
  async () => {
    const out = mkdtempSync(join(tmpdir(), 'aci-batch-bench-quick-'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/main.ts', '--quick', '--out', out],
      {
        cwd: ROOT,
        env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalDevAddress') },
        timeout: 100_000,
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
    expect(results.targets).toHaveLength(3);

    const report = readFileSync(join(out, 'results.md'), 'utf8');
    expect(report).toContain('| measure | zero latency | realistic latency |');
    expect(report).toContain('### Targets');
    expect(stdout).toContain('| measure | zero latency | realistic latency |');
    const chart = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect(chart.startsWith('<svg')).toBe(true);
    expect(chart.trimEnd().endsWith('</svg>')).toBe(true);
    expect(chart).toContain('Fan-out wall time');
  },
);
