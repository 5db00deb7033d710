/** The results as a Markdown report (printed and written as results.md) and as chart panels (chart.svg). */
import type { CapacityJobPlan } from './options';
import { scenarioSections } from './report-scenarios';
import type { BenchResults, ProfileResults } from './results';
import type { CapacityResult, CapacitySide } from './scenarios/capacity';
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
      `${results.machine.memoryGb} GB, Node ${results.machine.node}; Temporal: ${results.temporal}.` +
      (results.machine.loadAverage
        ? ` Load average (1 min): ${results.machine.loadAverage.atStart.toFixed(1)} at the start, ` +
          `${results.machine.loadAverage.atEnd.toFixed(1)} at the end.`
        : ''),
    '',
    ...(profiles.length === 0
      ? []
      : [
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
        ]),
    ...(results.capacity ? capacitySection(results.capacity, results.quick) : []),
    ...scenarioSections(results),
    '### Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...results.targets.map(
      (t) => `| ${t.target} | ${t.measured} | ${t.met === null ? '—' : t.met ? 'yes' : '**no**'} |`,
    ),
    '',
    ...(profiles.length === 0
      ? []
      : [
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
                cell(
                  (f) =>
                    `${f.temporalSlotIdleMsPerRun.toFixed(0)} / ${f.baselineSlotIdleMsPerRun.toFixed(0)}`,
                ),
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
        ]),
    ...profiles.flatMap((p) => (p.workerCpuProfile ? workerProfile(p) : [])),
    '### Settings',
    '',
    ...(results.capacity ? [capacitySettings(results.capacity)] : []),
    ...(profiles.length === 0
      ? []
      : [
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
        ]),
    '',
  ];
  return lines.join('\n');
}

/** The capacity scenario: admission on and off side by side, then the checks of what users were shown. */
function capacitySection(c: CapacityResult, quick: boolean): string[] {
  const row = (label: string, cell: (side: CapacitySide) => string) =>
    `| ${label} | ${cell(c.on)} | ${cell(c.off)} |`;
  const { floor } = c;
  const estimates = c.on.estimates;
  const percent = (value: number) => `${(100 * value).toFixed(1)}%`;
  const seconds = (d: Distribution) => `${d.median.toFixed(1)} / ${d.p95.toFixed(1)}`;
  return [
    `### Capacity: admission on and off (${c.runs} runs of ${c.tenants.length} tenants in ${c.limits.groups} groups / ${c.limits.cores} cores)` +
      (quick ? ' — quick: too small to measure' : ''),
    '',
    `Floor ${floor.seconds.toFixed(1)} s (${floor.binding}): creates ${floor.createSeconds.toFixed(1)} s, ` +
      `group slots ${floor.groupsSeconds.toFixed(1)} s, cores ${floor.coresSeconds.toFixed(1)} s. The admission ` +
      `policy alone, with no time lost around the runs (simulated): ${c.policySeconds.toFixed(1)} s.`,
    '',
    '| measure | admission on | admission off |',
    '|---|---|---|',
    row('makespan, s (× floor)', (s) => `${s.makespanSeconds.toFixed(1)} (**${s.floorRatio.toFixed(3)}x**)`),
    row(
      'first submit → last run started / first successful create, s',
      (s) => `${s.runsStartedSeconds.toFixed(1)} / ${s.firstCreateSeconds.toFixed(1)}`,
    ),
    row(
      'create requests: all / throttled (429) / quota refused',
      (s) => `${s.creates.requests} / ${s.creates.throttled} / ${s.creates.quotaRefused}`,
    ),
    row('other requests throttled (429)', (s) => otherThrottled(s.otherThrottled)),
    ...c.tenants.map((tenant, i) =>
      row(`share of core-seconds under contention: ${tenant.name} (weight ${tenant.weight}), %`, (s) => {
        const share = s.shares.tenants[i]!;
        return `${share.sharePct.toFixed(1)} (${signed(share.deviationPoints)} vs ${share.weightSharePct.toFixed(1)})`;
      }),
    ),
    row(
      "contended interval, s; Jain's index of weight-normalised shares",
      (s) => `${s.shares.contendedSeconds.toFixed(1)}; ${s.shares.jain.toFixed(3)}`,
    ),
    row('queue wait, s: run start → successful create (median / p95)', (s) => seconds(s.waitSeconds)),
    row("queue wait, s: the ledger's queuedSeconds (median / p95)", (s) =>
      s.ledgerQueuedSeconds ? seconds(s.ledgerQueuedSeconds) : '—',
    ),
    row('cores held / cores, first submit → last create', (s) => percent(s.utilisation)),
    row(
      'capacity held per run beyond its run time, ms (median / p95)',
      (s) => `${s.heldBeyondRunMs.median.toFixed(0)} / ${s.heldBeyondRunMs.p95.toFixed(0)}`,
    ),
    row(
      'latest delete → next create, ms (median / p95; with admission: the handoff)',
      (s) => `${s.deleteToNextCreateMs.median.toFixed(0)} / ${s.deleteToNextCreateMs.p95.toFixed(0)}`,
    ),
    row(
      'worker peak RSS, MB (worker CPU time, s)',
      (s) => `${s.worker.peakRssMb.toFixed(0)} (${s.worker.cpuSeconds.toFixed(1)})`,
    ),
    '',
    ...(estimates
      ? [
          `Queue positions and start estimates shown by \`JobClient.status\` (admission on; ${estimates.runs} queued ` +
            `instances, read every ${c.statusPollMs} ms, ${c.on.statusReads.rounds} rounds), against each run's ` +
            'successful create:',
          '',
          `- start estimate at first sight: |error| median ${estimates.absErrorSeconds.median.toFixed(1)} s, ` +
            `p90 ${estimates.absErrorSeconds.p90.toFixed(1)} s; median bias ${signed(estimates.medianBiasSeconds)} s ` +
            `(positive: later than it happened); relative to the wait left: median ${percent(estimates.relativeError.median)}, ` +
            `p90 ${percent(estimates.relativeError.p90)}`,
          `- every sighting (${estimates.allSightings.n}): |error| median ${estimates.allSightings.medianAbsErrorSeconds.toFixed(1)} s`,
          `- positions: ${percent(estimates.positions.exactFraction)} exactly the place the run started in among ` +
            `those queued in the same round; median difference ${estimates.positions.medianAbsDifference}`,
          `- ordered pairs: ${percent(estimates.orderedPairs.fraction)} of ${estimates.orderedPairs.pairs} pairs ` +
            `started in the order of their positions (Kendall's tau ${estimates.orderedPairs.kendallTau.toFixed(3)})`,
          '',
        ]
      : []),
  ];
}

function capacitySettings(c: CapacityResult): string {
  const l = c.limits;
  return (
    `- capacity: one emulator and one worker per side; account of ${l.groups} groups, ${l.cores} cores, ` +
    `creates ${l.createsPer5Min}/5 min and ${l.createsPerHour}/h, deletes ${l.deletesPer5Min}/5 min and ` +
    `${l.deletesPerHour}/h; time scale ${c.timeScale} (5 min → ${(300 * c.timeScale).toFixed(1)} s, ` +
    `1 h → ${(3600 * c.timeScale).toFixed(0)} s) for the emulator, the ledger (windowScale) and the worker's ` +
    `quota/429 retry waits; ledgerRefresh ${c.ledgerRefresh}; tenants ` +
    c.tenants
      .map(
        (t) =>
          `${t.name} (weight ${t.weight}: ${t.jobs.map(jobText).join(' + ')}; ${t.coreSeconds.toFixed(0)} core-s)`,
      )
      .join(', ') +
    '; all jobs submitted at once, each starting all its runs (maxParallel = instances); emulator latency zero. ' +
    'The activity ' +
    "retry policies' own intervals (create: 15 s initial, doubling) are real time, not scaled."
  );
}

/** e.g. "5 × 1 core × 12 s, priority 2" */
function jobText(job: CapacityJobPlan): string {
  const seconds = [...new Set(job.runMs)].map((ms) => `${ms / 1000}`).join('/');
  return `${job.instances} × ${job.cpu} core${job.cpu === 1 ? '' : 's'} × ${seconds} s${job.priority ? `, priority ${job.priority}` : ''}`;
}

function otherThrottled(byOperation: Record<string, number>): string {
  const entries = Object.entries(byOperation);
  return entries.length ? entries.map(([operation, n]) => `${operation} ${n}`).join(', ') : '0';
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
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
    ...(results.capacity ? [capacityPanel(results.capacity)] : []),
  ];
}

function capacityPanel(c: CapacityResult): Panel {
  return {
    title: `Capacity: makespan of ${c.runs} runs (s), against the floor the account allows`,
    series: ['floor', 'admission on', 'admission off'],
    groups: [
      {
        label: `makespan\n(on ${c.on.floorRatio.toFixed(2)}x, off ${c.off.floorRatio.toFixed(2)}x)`,
        values: [c.floor.seconds, c.on.makespanSeconds, c.off.makespanSeconds],
      },
      { label: 'queue wait, p95', values: [Number.NaN, c.on.waitSeconds.p95, c.off.waitSeconds.p95] },
    ],
    format: (value) => `${value.toFixed(1)} s`,
  };
}
