/** The results as a Markdown report (printed and written as results.md) and as chart panels (chart.svg). */
import type { BenchResults, ProfileResults } from './results';
import type { FanOutResult } from './scenarios/fan-out';
import type { Distribution } from './stats';
import type { Panel } from './svg-chart';

const PROFILE_TITLE = { zero: 'zero latency', realistic: 'realistic latency' } as const;

export function markdownReport(results: BenchResults): string {
  const { profiles } = results;
  const header = `| measure | ${profiles.map((p) => PROFILE_TITLE[p.name]).join(' | ')} |`;
  const rule = `|---|${profiles.map(() => '---').join('|')}|`;
  const row = (label: string, cell: (profile: ProfileResults) => string) =>
    `| ${label} | ${profiles.map(cell).join(' | ')} |`;
  const sizes = [...new Set(profiles.flatMap((p) => p.fanOut.map((f) => f.instances)))].sort((a, b) => a - b);
  const throughput = profiles.find((p) => p.throughput)?.throughput;
  const signals = profiles.find((p) => p.signals)?.signals;

  const lines = [
    `## aci-batch benchmark${results.quick ? ' (--quick: a smoke run, not a measurement)' : ''}`,
    '',
    `${results.startedAt}, ${results.durationSeconds.toFixed(0)} s; ${results.machine.cpus} × ${results.machine.cpuModel}, ` +
      `${results.machine.memoryGb} GB, Node ${results.machine.node}; Temporal: ${results.temporal}.`,
    '',
    header,
    rule,
    row('job start → create request, ms (median / p95 / p99)', (p) => dist(p.overhead.startToCreateMs)),
    row('completion signal → delete request, ms (median / p95 / p99)', (p) =>
      dist(p.overhead.completionToDeleteMs),
    ),
    row(
      throughput
        ? `throughput: container runs completed/s (${throughput.jobs} jobs × ${throughput.instancesPerJob} at once)`
        : 'throughput: container runs completed/s',
      (p) =>
        p.throughput
          ? `${p.throughput.runsPerSecond.toFixed(1)} (${p.throughput.seconds.toFixed(1)} s)`
          : '—',
    ),
    ...sizes.map((size) =>
      row(`fan-out ${size.toLocaleString('en-US')}: Temporal / raw baseline, s (ratio)`, (p) => {
        const f = p.fanOut.find((candidate) => candidate.instances === size);
        return f
          ? `${f.temporalSeconds.toFixed(2)} / ${f.baselineSeconds.toFixed(2)} (**${f.ratio.toFixed(3)}x**)`
          : '—';
      }),
    ),
    row(
      signals
        ? `signals handled by one run, /s (${signals.perRun.signals} signals)`
        : 'signals handled by one run, /s',
      (p) => (p.signals ? p.signals.perRun.perSecond.toFixed(0) : '—'),
    ),
    row(
      signals
        ? `completion signals handled across ${signals.acrossRuns.runs} waiting runs, /s`
        : 'completion signals handled across runs, /s',
      (p) => (p.signals ? p.signals.acrossRuns.perSecond.toFixed(0) : '—'),
    ),
    row(
      'worker peak RSS, MB (worker CPU time, s)',
      (p) => `${p.worker.peakRssMb.toFixed(0)} (${p.worker.cpuSeconds.toFixed(1)})`,
    ),
    '',
    '### Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...results.targets.map(
      (t) => `| ${t.target} | ${t.measured} | ${t.met === null ? '—' : t.met ? 'yes' : '**no**'} |`,
    ),
    '',
    '### Where the time goes (medians over the overhead runs, ms; from the histories)',
    '',
    header.replace('measure', 'segment'),
    rule,
    ...breakdownRows(profiles, 'startToCreateBreakdown'),
    ...breakdownRows(profiles, 'completionToDeleteBreakdown'),
    row('throughput: CPU per run, ms, by process', (p) =>
      p.throughput ? cpu(p.throughput.cpuMsPerRun) : '—',
    ),
    ...sizes.flatMap((size) => {
      const label = `fan-out ${size.toLocaleString('en-US')}`;
      const cell = (format: (f: FanOutResult) => string) => (p: ProfileResults) => {
        const f = p.fanOut.find((candidate) => candidate.instances === size);
        return f ? format(f) : '—';
      };
      return [
        row(
          `${label}: slot time outside ARM per run, ms, Temporal / baseline`,
          cell((f) => `${f.temporalSlotIdleMsPerRun.toFixed(0)} / ${f.baselineSlotIdleMsPerRun.toFixed(0)}`),
        ),
        row(
          `${label}: workflow tasks, ms: waiting for the worker / on the worker (median)`,
          cell(
            (f) =>
              `${f.workflowTasks.scheduleToStartMs.toFixed(0)} / ${f.workflowTasks.startToCompleteMs.toFixed(0)}`,
          ),
        ),
        row(
          `${label}: CPU per run, ms, Temporal`,
          cell((f) => cpu(f.cpuMsPerRun.temporal)),
        ),
        row(
          `${label}: CPU per run, ms, raw baseline`,
          cell((f) => cpu(f.cpuMsPerRun.baseline)),
        ),
      ];
    }),
    '',
    ...profiles.flatMap((p) => (p.workerCpuProfile ? workerProfile(p) : [])),
    '### Settings',
    '',
    ...profiles.map(
      (p) =>
        `- ${PROFILE_TITLE[p.name]}: emulator provisioning ${p.latency.provisioningMs} ms, start ${p.latency.startMs} ms, ` +
        `delete ${p.latency.deleteMs} ms; ARM operations polled every ${p.pollIntervalMs} ms (activities and baseline); ` +
        `overhead: ${p.overhead.runs} one-instance jobs, ${p.overhead.concurrency} at a time, containers run ${p.overhead.runMs} ms; ` +
        `fan-out: maxParallel ${p.fanOut.map((f) => f.maxParallel).join('/')}, containers run ${p.fanOut[0]?.runMs ?? 0} ms.`,
    ),
    `- worker (own process, createWorker and the real activities): maxConcurrentActivityTaskExecutions ` +
      `${results.settings.worker.maxConcurrentActivityTaskExecutions}, everything else the SDK's and createWorker's defaults; ` +
      `workflow bundle with the metrics interceptors, tracing off.`,
    `- emulator: quotas ${results.settings.emulator.containerGroups} groups / ${results.settings.emulator.cores} cores, ` +
      `create and delete rate limits ${results.settings.emulator.armRatePerWindow.toLocaleString('en-US')} per window.`,
    '- jobs: 0.1 vCPU / 0.1 GB groups whose container sleeps; the bench plays the container and sends its completion ' +
      'signal; logTailLines 0 (no log fetch before delete, as the baseline), monitorInterval 30 s.',
    '',
  ];
  return lines.join('\n');
}

/** e.g. "Temporal server 41, worker 35, bench + emulator 12" */
function cpu(byProcess: Record<string, number>): string {
  const entries = Object.entries(byProcess);
  return entries.length ? entries.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ') : 'not measured';
}

function workerProfile(p: ProfileResults): string[] {
  return [
    `### Worker CPU profile, ${PROFILE_TITLE[p.name]} (--profile; self time by package)`,
    '',
    ...(p.workerCpuProfile ?? []).map(
      (thread) =>
        `- ${thread.thread}: busy ${(thread.busyMs / 1000).toFixed(1)} s — ` +
        thread.top.map((entry) => `${entry.name} ${(entry.ms / 1000).toFixed(2)} s`).join(', '),
    ),
    '',
  ];
}

function dist(d: Distribution): string {
  return `${d.median.toFixed(1)} / ${d.p95.toFixed(1)} / ${d.p99.toFixed(1)} (n=${d.n})`;
}

function breakdownRows(
  profiles: ProfileResults[],
  key: 'startToCreateBreakdown' | 'completionToDeleteBreakdown',
): string[] {
  const segments = profiles[0]?.overhead[key] ?? [];
  return segments.map(
    ({ segment }, i) =>
      `| ${segment} | ${profiles.map((p) => p.overhead[key][i]?.medianMs.toFixed(1) ?? '—').join(' | ')} |`,
  );
}

export function chartPanels(results: BenchResults): Panel[] {
  const seconds = (value: number) => `${value.toFixed(1)} s`;
  const ms = (value: number) => value.toFixed(0);
  return [
    ...results.profiles.map((p) => ({
      title: `Fan-out wall time, ${PROFILE_TITLE[p.name]} (s)`,
      series: ['raw baseline', 'Temporal'],
      groups: p.fanOut.map((f) => ({
        label: `${f.instances} instances (${f.ratio.toFixed(2)}x)`,
        values: [f.baselineSeconds, f.temporalSeconds],
      })),
      format: seconds,
    })),
    {
      title: 'Overhead per container run (ms): median, p95',
      series: ['median', 'p95'],
      groups: results.profiles.flatMap((p) => [
        {
          label: `start → create\n${PROFILE_TITLE[p.name]}`,
          values: [p.overhead.startToCreateMs.median, p.overhead.startToCreateMs.p95],
        },
        {
          label: `completion → delete\n${PROFILE_TITLE[p.name]}`,
          values: [p.overhead.completionToDeleteMs.median, p.overhead.completionToDeleteMs.p95],
        },
      ]),
      format: ms,
    },
  ];
}
