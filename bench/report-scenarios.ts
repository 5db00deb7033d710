/** The issue 14 and 17 scenarios in the Markdown report, one section each (only those that ran). */
import { ARM_REQUEST_KINDS, type ArmRequestKind } from './arm-request-kinds';
import type { CpuByProcess } from './cpu-usage';
import type { HistoryCounts } from './history-stats';
import type { BenchResults } from './results';
import type { ArmRequestsResult } from './scenarios/arm-requests';
import type { BigJobResult } from './scenarios/big-job';
import type { CpuPerRunResult } from './scenarios/cpu-per-run';
import type { Spread } from './ledger-stats';
import type { TwoPoolsResult, TwoPoolsVariant } from './scenarios/two-pools';
import type { WaitingResult } from './scenarios/waiting';
import type { WarmResult, WarmSide } from './scenarios/warm-start';
import type { Distribution } from './stats';

export function scenarioSections(results: BenchResults): string[] {
  return [
    ...(results.twoPools ? twoPoolsSection(results.twoPools) : []),
    ...(results.warm ? warmSection(results.warm) : []),
    ...(results.armRequests ? armSection(results.armRequests) : []),
    ...(results.cpuPerRun ? cpuSection(results.cpuPerRun) : []),
    ...(results.waiting ? waitingSection(results.waiting) : []),
    ...(results.bigJob ? bigJobSection(results.bigJob) : []),
  ];
}

const ms = (d: Distribution) => `${d.median.toFixed(0)} / ${d.p95.toFixed(0)}`;
const n1 = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');
const n2 = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');
const count = (value: number) => value.toLocaleString('en-US');

/** e.g. "Temporal server 41, worker 35, bench + emulator 12" */
export function cpuText(byProcess: CpuByProcess, digits = 0): string {
  const entries = Object.entries(byProcess);
  return entries.length
    ? entries.map(([name, value]) => `${name} ${value.toFixed(digits)}`).join(', ')
    : 'not measured';
}

function twoPoolsSection(r: TwoPoolsResult): string[] {
  const { plan, floor } = r;
  const columns = r.variants.map((v) => `maxParallel ${count(v.maxParallel)}`);
  const row = (label: string, cell: (v: TwoPoolsVariant) => string) =>
    `| ${label} | ${r.variants.map(cell).join(' | ')} |`;
  const perPool = (label: string, cell: (pool: TwoPoolsVariant['pools'][number]) => string) =>
    row(label, (v) => v.pools.map((pool) => `${pool.region} ${cell(pool)}`).join('; '));
  const p = (d: Spread) => `${d.median.toFixed(0)} / ${d.p90.toFixed(0)}`;
  return [
    `### Two pools: one job of ${count(plan.instances)} runs over ${plan.regions.join(' and ')}`,
    '',
    `Each pool: ${plan.limits.groups} groups, ${plan.limits.cores} cores, creates ${plan.limits.createsPer5Min}/5 min and ` +
      `${plan.limits.createsPerHour}/h at time scale ${plan.timeScale}; runs of ${plan.cpu} core × ${plan.runMs / 1000} s, ` +
      `admission on; each window on fresh pools. Floor ${floor.seconds.toFixed(1)} s (${floor.binding}): ` +
      `creates ${floor.createSeconds.toFixed(1)} s, group slots ${floor.groupsSeconds.toFixed(1)} s, cores ${floor.coresSeconds.toFixed(1)} s. ` +
      `The pools alone (slots and windows together, nothing lost around the runs): ${r.scheduleSeconds.toFixed(1)} s.`,
    '',
    `| measure | ${columns.join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    row(
      'makespan, s (× floor; × the pools alone)',
      (v) =>
        `${v.makespanSeconds.toFixed(1)} (**${v.floorRatio.toFixed(3)}x**; ${v.scheduleRatio.toFixed(3)}x)`,
    ),
    row(
      'submit → first successful create / last run started, s',
      (v) => `${v.firstCreateSeconds.toFixed(1)} / ${v.runsStartedSeconds.toFixed(1)}`,
    ),
    row(
      "last create → last delete / last delete → the job's result, s",
      (v) => `${v.lastCreateToLastDeleteSeconds.toFixed(1)} / ${v.lastDeleteToResultSeconds.toFixed(1)}`,
    ),
    row('capacity held per run beyond its run time, ms (median / p95)', (v) => ms(v.heldBeyondRunMs)),
    perPool('runs', (pool) => count(pool.runs)),
    perPool(
      'creates: all / throttled / quota refused',
      (pool) => `${pool.creates.requests} / ${pool.creates.throttled} / ${pool.creates.quotaRefused}`,
    ),
    perPool('last create, s', (pool) => pool.lastCreateSeconds.toFixed(1)),
    perPool('cores held / cores, submit → last create', (pool) => `${(100 * pool.utilisation).toFixed(1)}%`),
    perPool('latest delete → next create, ms (median / p95)', (pool) => ms(pool.deleteToNextCreateMs)),
    perPool('create lag behind the moment the pool allowed it, ms (median / p95)', (pool) =>
      ms(pool.createLagMs),
    ),
    row('other requests throttled (429)', (v) => String(v.otherThrottled)),
    row('run path, ms (median / p90): submit → run started (server)', (v) => p(v.path.submitToStarted)),
    row('run started → its first workflow task picked up', (v) => p(v.path.startedToFirstTask)),
    row("completion signal → the ledger's delete token", (v) => p(v.path.completionToDeleteToken)),
    row('… of which: completion → delete request sent (log archive close, log tail)', (v) =>
      p(v.path.completionToDeleteRequest),
    ),
    row('… and: delete request sent → token received', (v) => p(v.path.deleteRequestToToken)),
    row('delete token → delete scheduled', (v) => p(v.path.deleteTokenToDeleteScheduled)),
    row('delete scheduled → done', (v) => p(v.path.deleteScheduledToDeleted)),
    row('deleted → lease released (signal sent)', (v) => p(v.path.deletedToReleased)),
    row(
      'ledger: runs read; refreshes; leases checked per refresh (median / max)',
      (v) =>
        `${v.ledger.runs}; ${v.ledger.refreshes.count}; ${v.ledger.refreshes.leasesChecked.median} / ${v.ledger.refreshes.leasesChecked.max}`,
    ),
    row(
      'ledger: findAbandonedLeases / describeCapacity, ms (median / p90)',
      (v) => `${p(v.ledger.refreshes.checkMs)} / ${p(v.ledger.refreshes.describeMs)}`,
    ),
    row(
      'ledger: share of its time with a refresh in flight',
      (v) => `${(100 * v.ledger.refreshes.inFlightShare).toFixed(0)}%`,
    ),
    row(
      'ledger: delete request → token, ms (median / p90): during a refresh (n); otherwise (n)',
      (v) =>
        `${p(v.ledger.deleteTokenMs.duringRefresh)} (${v.ledger.deleteTokenMs.duringRefresh.n}); ` +
        `${p(v.ledger.deleteTokenMs.otherwise)} (${v.ledger.deleteTokenMs.otherwise.n})`,
    ),
    row(
      'ledger: workflow tasks: n; waiting / on the worker, ms (median / p90)',
      (v) =>
        `${v.ledger.workflowTasks.count}; ${p(v.ledger.workflowTasks.scheduleToStartMs)} / ${p(v.ledger.workflowTasks.startToCompleteMs)}`,
    ),
    row(
      'worker peak RSS, MB (worker CPU time, s)',
      (v) => `${v.worker.peakRssMb.toFixed(0)} (${v.worker.cpuSeconds.toFixed(1)})`,
    ),
    '',
  ];
}

function warmSection(r: WarmResult): string[] {
  const { plan } = r;
  const row = (label: string, cell: (side: WarmSide) => string) =>
    `| ${label} | ${cell(r.warm)} | ${cell(r.fresh)} |`;
  return [
    `### Warm starts from a standby pool against fresh creates (${r.warm.runs} runs each)`,
    '',
    `Emulator latency: provisioning ${plan.latency.provisioningMs} ms, start ${plan.latency.startMs} ms, delete ` +
      `${plan.latency.deleteMs} ms; ARM polled every ${plan.pollIntervalMs} ms; a standby pool of ${plan.instances} warm ` +
      `groups (refill ${plan.standbyRefillMs} ms each); ${plan.rounds} rounds of one ${plan.instances}-instance job per ` +
      `pool, alternating; containers report ${plan.runMs} ms after they run. The emulator's warm latency is a model ` +
      '(a taken warm group runs at once and its operation lasts the start latency), not a measurement of Azure.',
    '',
    '| measure | warm (standby pool) | fresh |',
    '|---|---|---|',
    row('runs that came warm', (s) => `${s.warmRuns} of ${s.runs}`),
    row('job start → create PUT, ms (median / p95)', (s) => ms(s.startToPutMs)),
    row('job start → container running at the emulator, ms (median / p95)', (s) => ms(s.startToRunningMs)),
    row('job start → create activity done (the run waits for its report), ms (median / p95)', (s) =>
      ms(s.startToCreatedMs),
    ),
    ...ARM_REQUEST_KINDS.filter((kind) => r.warm.armPerRun[kind] > 0 || r.fresh.armPerRun[kind] > 0).map(
      (kind) => row(`ARM per run: ${kind}`, (s) => n2(s.armPerRun[kind])),
    ),
    row('ARM per run: all', (s) => n2(s.armPerRun.all)),
    row('CPU per run, ms, by process (job submit → result)', (s) => cpuText(s.cpuMsPerRun)),
    row(
      'run workflow: history events / workflow tasks',
      (s) => `${n1(s.history.events)} / ${n1(s.history.workflowTasks)}`,
    ),
    row('run workflow: activities (by type)', (s) => activitiesText(s.history)),
    row(
      'the job: events / workflow tasks per run',
      (s) => `${n1(s.jobShare.events)} / ${n1(s.jobShare.workflowTasks)}`,
    ),
    '',
  ];
}

function activitiesText(history: HistoryCounts): string {
  return (
    `${n1(history.activities)} (` +
    Object.entries(history.activitiesByType)
      .map(([type, n]) => `${type} ${n1(n)}`)
      .join(', ') +
    ')'
  );
}

function armSection(r: ArmRequestsResult): string[] {
  const columns = r.variants.map((v) => `${v.profile}: ${v.variant}`);
  const header = `| ARM requests per run | ${columns.join(' | ')} |`;
  const rule = `|---|${columns.map(() => '---').join('|')}|`;
  const kinds = ARM_REQUEST_KINDS.filter((kind) =>
    r.variants.some((v) => v.perRun[kind] > 0 || v.watched.perRun[kind] > 0),
  );
  const row = (label: string, cell: (v: ArmRequestsResult['variants'][number]) => string) =>
    `| ${label} | ${r.variants.map(cell).join(' | ')} |`;
  return [
    `### ARM requests per run (${r.plan.runs} runs per job)`,
    '',
    '`plain`: no log archive, `logTailLines: 0`; `log tail`: no archive, the default `logTailLines` (50); ' +
      '`archive`: the log archive on, spec defaults (as shipped). Admission on. A run without a tick ends before ' +
      `its monitor's first tick; a watched run is polled every second for about ${r.plan.ticks} ticks.`,
    '',
    header,
    rule,
    ...kinds.map((kind: ArmRequestKind) => row(kind, (v) => n2(v.perRun[kind]))),
    row('**all, without a tick**', (v) => `**${n2(v.perRun.all)}**`),
    row(
      'watched runs: ticks per run / requests per run',
      (v) => `${n1(v.watched.ticksPerRun)} / ${n2(v.watched.perRun.all)}`,
    ),
    row(
      'per tick: state reads / log reads / all',
      (v) =>
        `${n2(v.perTick['group read (GET)'])} / ${n2(v.perTick['container log (GET logs)'])} / ${n2(v.perTick.all)}`,
    ),
    row("the ledger's usage reads in the variant (per account and refresh)", (v) => String(v.usagesReads)),
    row('activities per run (no tick)', (v) =>
      Object.entries(v.activitiesPerRun)
        .map(([type, n]) => `${type} ${n1(n)}`)
        .join(', '),
    ),
    '',
  ];
}

function cpuSection(r: CpuPerRunResult): string[] {
  const row = (label: string, cell: (v: CpuPerRunResult['variants'][number]) => string) =>
    `| ${label} | ${r.variants.map(cell).join(' | ')} |`;
  const serverPlusWorker = (cpu: CpuByProcess) => (cpu['Temporal server'] ?? 0) + (cpu.worker ?? 0);
  return [
    `### CPU per container run (${r.plan.jobs} jobs × ${r.plan.instances} runs at once, zero latency)`,
    '',
    '`as shipped`: admission on, the log archive on (Azurite), spec defaults (`logTailLines` 50). `bare`: ' +
      'admission off, no archive, `logTailLines: 0` (what the 2026-11-24 numbers ran). Containers without processes.',
    '',
    `| measure | ${r.variants.map((v) => v.variant).join(' | ')} |`,
    `|---|${r.variants.map(() => '---').join('|')}|`,
    row('runs/s (runs, s)', (v) => `${v.runsPerSecond.toFixed(1)} (${v.runs}, ${v.seconds.toFixed(1)} s)`),
    row('CPU per run, ms, by process', (v) => cpuText(v.cpuMsPerRun)),
    row('**server + worker, ms per run**', (v) => `**${serverPlusWorker(v.cpuMsPerRun).toFixed(0)}**`),
    row(
      'run workflow: history events / workflow tasks',
      (v) => `${n1(v.runHistory.events)} / ${n1(v.runHistory.workflowTasks)}`,
    ),
    row('run workflow: activities (by type)', (v) => activitiesText(v.runHistory)),
    row(
      'run workflow: timers / signals received / signals sent',
      (v) =>
        `${n1(v.runHistory.timers)} / ${n1(v.runHistory.signalsReceived)} / ${n1(v.runHistory.signalsSent)}`,
    ),
    row(
      'the jobs: events / workflow tasks per run',
      (v) => `${n1(v.jobShare.events)} / ${n1(v.jobShare.workflowTasks)}`,
    ),
    row(
      'worker peak RSS, MB (worker CPU time, s)',
      (v) => `${v.worker.peakRssMb.toFixed(0)} (${v.worker.cpuSeconds.toFixed(1)})`,
    ),
    '',
  ];
}

function waitingSection(r: WaitingResult): string[] {
  const pct = (cpu: CpuByProcess) => cpuText(cpu, 1);
  const mb = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(0));
  const { idle, tick, extrapolated } = r;
  return [
    `### ${count(r.waitingRuns)} runs waiting on one worker`,
    '',
    `${r.plan.jobs} jobs, nobody reporting; the worker's limits ${r.workerLimits.activities} activities, ` +
      `${r.workerLimits.workflowTasks} workflow tasks, ${r.workerLimits.cachedWorkflows} cached workflows; admission and ` +
      'the log archive on; containers without processes.' +
      (r.waitingRuns < r.plan.runs
        ? ` **The ramp stopped at ${count(r.waitingRuns)} of ${count(r.plan.runs)}: ${r.ramp.stopped}.**`
        : '') +
      (r.ledgerFailure ? ` **The ledger's workflow task was failing: ${r.ledgerFailure}.**` : ''),
    '',
    '| measure | value |',
    '|---|---|',
    `| ramp: runs waiting after, s (runs/s) | ${r.ramp.seconds.toFixed(0)} (${r.ramp.runsPerSecond.toFixed(1)}) |`,
    `| worker RSS with nothing submitted, MB | ${r.memory.workerEmptyRssMb.toFixed(0)} |`,
    `| worker RSS while they wait, MB (main thread's V8 heap used; external + array buffers) | ${mb(r.memory.workerRssMb)} (${mb(r.memory.workerHeapUsedMb)}; ${mb(r.memory.workerExternalMb)}) |`,
    `| worker peak RSS, MB (largest 5-s sample during the ramp) | **${r.memory.workerPeakRssMb.toFixed(0)}** (${r.memory.workerSampledPeakRssMb.toFixed(0)}) |`,
    `| Temporal server RSS while they wait, MB | ${mb(r.memory.serverRssMb)} |`,
    `| nothing submitted, ${r.empty.seconds.toFixed(0)} s: CPU, % of one core | ${pct(r.empty.cpuPctOfCore)}; worker + server ${r.empty.workerPlusServerPct.toFixed(2)}% |`,
    ...(idle
      ? [
          `| idle (monitors every ${r.plan.idleMonitorInterval}), ${idle.seconds.toFixed(0)} s: CPU, % of one core | ${pct(idle.cpuPctOfCore)}; **worker + server ${idle.workerPlusServerPct.toFixed(2)}%** |`,
          `| idle: worker + server per 5-s slot, % (min / median / max); the ledger's refreshes at, s | ${slots(idle.slotsPct)}; ${idle.refreshesAt.join(', ') || 'none'} |`,
          `| idle: ARM requests in the window | ${idle.arm.all} |`,
        ]
      : []),
    ...(tick
      ? [
          `| ticking: ${tick.runs} more runs every ${tick.monitorInterval}, ${tick.seconds.toFixed(0)} s: ticks (state reads) / log reads | ${tick.ticks} / ${tick.arm['container log (GET logs)']} |`,
          `| ticking: CPU, % of one core | ${pct(tick.cpuPctOfCore)} |`,
          `| CPU per monitor tick above idle, ms | ${cpuText(tick.cpuMsPerTick, 1)} |`,
        ]
      : []),
    ...(extrapolated
      ? [
          `| extrapolated: ${count(extrapolated.runs)} runs ticking every ${extrapolated.monitorInterval} (${extrapolated.ticksPerSecond.toFixed(0)} ticks/s): worker + server, % of one core | **${extrapolated.workerPlusServerPct.toFixed(0)}%** |`,
          `| the monitor interval that keeps these runs within 5% of a core, s | ${Number.isFinite(extrapolated.intervalForTargetSeconds) ? extrapolated.intervalForTargetSeconds.toFixed(0) : 'none: idle alone exceeds it'} |`,
        ]
      : []),
    ...(r.failure ? [`| **what broke** | ${r.failure} |`] : []),
    '',
  ];
}

function slots(values: number[]): string {
  if (values.length === 0) return '—';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return `${sorted[0]!.toFixed(1)} / ${median.toFixed(1)} / ${sorted.at(-1)!.toFixed(1)}`;
}

function bigJobSection(r: BigJobResult): string[] {
  return [
    `### The largest job: ${count(r.plan.instances)} instances, messages of ${r.messageChars} characters`,
    '',
    '| measure | value |',
    '|---|---|',
    `| outcome | **${r.completed ? 'completed' : r.ending}** after ${r.seconds.toFixed(0)} s |`,
    `| runs finished (groups deleted) | ${count(r.runsFinished)} of ${count(r.plan.instances)} |`,
    `| the job's runs (continue-as-new) | ${r.jobRuns} |`,
    `| current run: history events; its input, bytes (run summaries carried) | ${count(r.currentRun.historyLength)}; ${count(r.currentRun.inputBytes)} (${count(r.currentRun.carriedSummaries)}) |`,
    ...(r.bytesPerSummary !== undefined && r.carryNowBytes !== undefined
      ? [
          `| bytes per carried run summary; carrying every finished run now, bytes | ${r.bytesPerSummary.toFixed(0)}; ${count(Math.round(r.carryNowBytes))} |`,
        ]
      : []),
    ...(r.failure
      ? [
          `| what failed | ${r.failure.where}${r.failure.cause ? ` (${r.failure.cause})` : ''}${r.failure.attempts ? `, attempt ${r.failure.attempts}` : ''}: \`${r.failure.message.replace(/\|/g, '\\|')}\` |`,
        ]
      : []),
    ...(r.summaryBytes !== undefined ? [`| the summary, bytes of JSON | ${count(r.summaryBytes)} |`] : []),
    `| worker peak RSS, MB (worker CPU time, s) | ${r.worker.peakRssMb.toFixed(0)} (${r.worker.cpuSeconds.toFixed(1)}) |`,
    '',
  ];
}
