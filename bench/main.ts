/**
 * `npm run bench [-- --quick] [--profile] [--out DIR] [--only NAME,...] [--runs N] [--time-scale X]
 * [--max-parallel N,...]`: the orchestration benchmark
 * on the real Temporal dev server and the ACI emulator, in the zero and realistic latency profiles, then the
 * capacity scenario (admission on and off). `--only` picks scenarios by name: profiles, capacity, and those
 * that run only when named: two-pools and warm (issue 14), arm-requests, cpu-per-run, waiting and bigjob
 * (issue 17; `--runs` sets the size of the last two); `--time-scale` runs the capacity and two-pools scenarios
 * less (or more) compressed, `--max-parallel` picks the two-pools job's windows (bench/options.ts). Writes results.md, results.json and chart.svg to the
 * results folder (bench-results/<time>/ by default; also raw data: capacity-on.json, capacity-off.json,
 * two-pools.json, waiting.json) and prints the Markdown report; --profile also writes V8 CPU profiles of the
 * worker there and summarizes them. See bench/RESULTS.md for recorded runs and what their numbers mean.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { preciseNow } from '../dev/emulator/time';
import { bundleWorkflows } from '../src/observability/workflow-bundle';
import { summarizeCpuProfiles } from './cpu-profile';
import { parsePlan, type BenchPlan, type ProfilePlan } from './options';
import { startProfileStack, type ProfileStack } from './profile-stack';
import { chartPanels, markdownReport } from './report';
import { checkTargets, type BenchResults, type ProfileResults } from './results';
import { measureArmRequests } from './scenarios/arm-requests';
import { measureBigJob } from './scenarios/big-job';
import { measureCapacity } from './scenarios/capacity';
import { measureCpuPerRun } from './scenarios/cpu-per-run';
import { measureTwoPools } from './scenarios/two-pools';
import { measureWaiting } from './scenarios/waiting';
import { measureWarmStarts } from './scenarios/warm-start';
import { measureFanOut } from './scenarios/fan-out';
import { measureOverhead } from './scenarios/overhead';
import { measureSignals } from './scenarios/signals';
import { measureThroughput } from './scenarios/throughput';
import { svgChart } from './svg-chart';
import { startBenchTemporal, type BenchTemporal } from './temporal';

const progress = (message: string) => console.error(`[bench] ${message}`);

async function runProfile(
  plan: ProfilePlan,
  bench: BenchPlan,
  temporal: BenchTemporal,
  bundlePath: string,
): Promise<ProfileResults> {
  progress(`${plan.name} latency: starting the emulator and the worker`);
  const cpuProfileDir = bench.profile ? join(bench.outDir, `worker-cpu-profiles-${plan.name}`) : undefined;
  // a reused --out folder may hold an earlier run's profiles
  if (cpuProfileDir) rmSync(cpuProfileDir, { recursive: true, force: true });
  const stack = await startProfileStack(plan, bench, temporal, bundlePath, cpuProfileDir);
  let measured: Omit<ProfileResults, 'worker'>;
  try {
    measured = await measureProfile(stack);
  } catch (error) {
    await stack.stop().catch(() => undefined);
    throw error;
  }
  const usage = await stack.stop();
  return {
    ...measured,
    worker: { peakRssMb: usage.peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds },
    ...(cpuProfileDir && { workerCpuProfile: summarizeCpuProfiles(cpuProfileDir, bundlePath) }),
  };
}

async function measureProfile(stack: ProfileStack): Promise<Omit<ProfileResults, 'worker'>> {
  const { plan } = stack;
  progress(`${plan.name}: overhead per run (${plan.overhead.jobs} jobs)`);
  const overhead = await measureOverhead(stack);
  if (plan.throughput) progress(`${plan.name}: throughput`);
  const throughput = plan.throughput && (await measureThroughput(stack, plan.throughput));
  if (plan.signals) progress(`${plan.name}: signals`);
  const signals = plan.signals && (await measureSignals(stack, plan.signals));
  progress(`${plan.name}: fan-out ${plan.fanOut.sizes.join(', ')} against the raw baseline`);
  const fanOut = await measureFanOut(stack);
  const { name, latency, pollIntervalMs } = plan;
  return { name, latency, pollIntervalMs, overhead, throughput, signals, fanOut };
}

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2));
  const startedAt = new Date();
  const began = preciseNow();
  // the machine may be shared: how busy it was says how far to trust the numbers
  const loadAtStart = loadavg()[0]!;
  progress(
    plan.quick
      ? 'quick run (CI smoke test)'
      : plan.profiles.length > 0 && plan.capacity
        ? 'full run (about 9 minutes on 2 cores)'
        : 'selected scenarios',
  );
  const temporal = await startBenchTemporal();
  const bundleDir = mkdtempSync(join(tmpdir(), 'aci-batch-bench-bundle-'));
  try {
    progress(`Temporal: ${temporal.origin}; bundling the workflows`);
    const bundlePath = join(bundleDir, 'workflows.js');
    writeFileSync(bundlePath, await bundleWorkflows({ logger: new DefaultLogger('WARN') }));
    const profiles: ProfileResults[] = [];
    for (const profile of plan.profiles) profiles.push(await runProfile(profile, plan, temporal, bundlePath));
    const capacity =
      plan.capacity && (await measureCapacity(plan.capacity, temporal, bundlePath, progress, plan.outDir));
    const twoPools =
      plan.twoPools && (await measureTwoPools(plan.twoPools, temporal, bundlePath, progress, plan.outDir));
    const warm = plan.warm && (await measureWarmStarts(plan.warm, temporal, bundlePath, progress));
    const armRequests =
      plan.armRequests && (await measureArmRequests(plan.armRequests, temporal, bundlePath, progress));
    const cpuPerRun =
      plan.cpuPerRun && (await measureCpuPerRun(plan.cpuPerRun, temporal, bundlePath, progress));
    const waiting =
      plan.waiting && (await measureWaiting(plan.waiting, temporal, bundlePath, progress, plan.outDir));
    const bigJob = plan.bigJob && (await measureBigJob(plan.bigJob, temporal, bundlePath, progress));
    const scenarios = { twoPools, warm, armRequests, cpuPerRun, waiting, bigJob };
    const results: BenchResults = {
      startedAt: startedAt.toISOString(),
      durationSeconds: (preciseNow() - began) / 1000,
      quick: plan.quick,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: `${process.platform}/${process.arch}`,
        loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0]! },
      },
      temporal: temporal.origin,
      settings: { worker: plan.worker, emulator: plan.emulator },
      profiles,
      ...(capacity && { capacity }),
      ...Object.fromEntries(Object.entries(scenarios).filter(([, result]) => result !== undefined)),
      targets: checkTargets(profiles, capacity, plan.quick, scenarios),
    };
    writeResults(plan.outDir, results);
    progress(`results in ${plan.outDir}`);
  } finally {
    await temporal.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

/** results.md (also printed), results.json and chart.svg */
function writeResults(outDir: string, results: BenchResults): void {
  const report = markdownReport(results);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.md'), report);
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'chart.svg'), svgChart(chartPanels(results)));
  console.log(report);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
