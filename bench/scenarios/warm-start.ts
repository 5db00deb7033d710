/**
 * Issue 14: warm starts from an ACI standby pool against fresh creates, side by side under the realistic
 * latency profile, in one emulator and one worker: a pool `warm` with a standby pool (and its container group
 * profile) and a pool `fresh` without, in the same account; rounds alternate a job on each. Per run: the start
 * latency (job start → create PUT, → the container running at the emulator, → the run's create activity done,
 * when the run starts waiting for its report), the ARM requests by kind (the emulator's log), and the
 * orchestration cost (CPU by process, workflow tasks and activities from the histories).
 *
 * The emulator's warm latency is a model (a taken warm group is running at once and its operation takes the
 * profile's `startMs`; a fresh one takes `provisioningMs` before its container starts), not a claim about Azure.
 */
import { preciseNow } from '../../dev/emulator/time';
import type { Emulator } from '../../dev/emulator';
import { createAciClient, EMULATOR_SUBSCRIPTION_ID, emulatorCredential } from '../../src/azure/client';
import { STANDBY_API_VERSION } from '../../src/azure/preview-api';
import { capacityConfigSchema } from '../../src/capacity/config';
import { jobWorkflowId } from '../../src/shared/names';
import { armPutAndWait } from '../../test/emulator/helpers';
import { countByKind, perRun, type ArmRequestKind } from '../arm-request-kinds';
import { BENCH_COMMAND, BENCH_IMAGE } from '../containers';
import { perRunMs, withCpu, type CpuByProcess } from '../cpu-usage';
import { activityCompletedAt, historyCounts, type HistoryCounts } from '../history-stats';
import { benchJobId } from '../jobs';
import type { WarmPlan } from '../options';
import { startScenarioStack, terminateOpenWorkflows, type ScenarioStack } from '../scenario-stack';
import { groupsOf, runIds, runScenarioJob, type ScenarioJob } from '../scenario-jobs';
import { distribution, type Distribution } from '../stats';
import type { BenchTemporal } from '../temporal';
import { BENCH_RESOURCE_GROUP } from '../worker-child';
import { emulatorAccount, unlimitedAccount } from '../account-limits';

const TENANT = 'warm';
const REGION = 'eastus';
const ARM = `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}/resourceGroups/${BENCH_RESOURCE_GROUP}/providers`;
const PROFILE_ID = `${ARM}/Microsoft.ContainerInstance/containerGroupProfiles/bench-sleep`;
const POOL_ID = `${ARM}/Microsoft.StandbyPool/standbyContainerGroupPools/bench-sleep-warm`;
/** the profile's (and the jobs') size */
const CPU = 1;
const MEMORY_GB = 0.5;
/** limits far above what the scenario uses: only the standby pool makes a difference */
const LIMITS = unlimitedAccount();

export interface WarmSide {
  pool: 'warm' | 'fresh';
  runs: number;
  /** runs whose result says warm: true */
  warmRuns: number;
  /** job start → the run's create PUT at the emulator, ms */
  startToPutMs: Distribution;
  /** job start → the container first seen Running at the emulator, ms */
  startToRunningMs: Distribution;
  /** job start → the run's create activity completed (the run then waits for its report), ms */
  startToCreatedMs: Distribution;
  /** ARM requests per run, by kind (profile reads: all in the side's time, per run) */
  armPerRun: Record<ArmRequestKind | 'all', number>;
  /** CPU per run by process, each job measured from its submit to its result */
  cpuMsPerRun: CpuByProcess;
  /** per run workflow, from its history */
  history: HistoryCounts;
  /** the job's workflow tasks and events, per run */
  jobShare: { events: number; workflowTasks: number };
}

export interface WarmResult {
  plan: WarmPlan;
  warm: WarmSide;
  fresh: WarmSide;
  worker: { peakRssMb: number; cpuSeconds: number };
}

export async function measureWarmStarts(
  plan: WarmPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
): Promise<WarmResult> {
  const stack = await startScenarioStack(
    {
      label: 'warm',
      emulator: {
        latency: plan.latency,
        standbyRefillMs: plan.standbyRefillMs,
        ...emulatorAccount(LIMITS),
        readBucket: false,
        containerRuntime: 'inert',
      },
      // the product as shipped: the log archive on (Azurite), admission on
      storage: true,
      pollIntervalMs: plan.pollIntervalMs,
      capacity: capacityConfigSchema.parse({
        pools: [
          {
            name: 'warm',
            subscriptionId: EMULATOR_SUBSCRIPTION_ID,
            region: REGION,
            resourceGroup: BENCH_RESOURCE_GROUP,
            limits: LIMITS,
            standby: { poolId: POOL_ID, profile: { id: PROFILE_ID, revision: 1 } },
          },
          {
            name: 'fresh',
            subscriptionId: EMULATOR_SUBSCRIPTION_ID,
            region: REGION,
            resourceGroup: BENCH_RESOURCE_GROUP,
            limits: LIMITS,
          },
        ],
      }),
    },
    temporal,
    bundlePath,
  );
  let measured: Omit<WarmResult, 'worker'>;
  try {
    await makeStandbyPool(stack.emulator, plan.instances);
    measured = await measure(stack, plan, progress);
    await terminateOpenWorkflows(stack, 'the bench scenario is over');
  } catch (error) {
    await terminateOpenWorkflows(stack, 'the bench scenario failed').catch(() => undefined);
    await stack.stop().catch(() => undefined);
    throw error;
  }
  const usage = await stack.stop();
  return { ...measured, worker: { peakRssMb: usage.peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds } };
}

/** The container group profile (the jobs' image, command and size) and a standby pool of `capacity`. */
async function makeStandbyPool(emulator: Emulator, capacity: number): Promise<void> {
  const aci = createAciClient({
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    credential: emulatorCredential,
    endpoint: emulator.endpoint,
    caPem: emulator.caPem,
  });
  await armPutAndWait(aci, emulator.endpoint, PROFILE_ID, STANDBY_API_VERSION, {
    location: REGION,
    properties: {
      osType: 'Linux',
      sku: 'Standard',
      restartPolicy: 'Never',
      containers: [
        {
          name: 'job',
          properties: {
            image: BENCH_IMAGE,
            command: BENCH_COMMAND,
            resources: { requests: { cpu: CPU, memoryInGB: MEMORY_GB } },
          },
        },
      ],
    },
  });
  await armPutAndWait(aci, emulator.endpoint, POOL_ID, '2025-03-01', {
    location: REGION,
    properties: {
      elasticityProfile: { maxReadyCapacity: capacity, refillPolicy: 'always' },
      containerGroupProperties: { containerGroupProfile: { id: PROFILE_ID, revision: 1 } },
    },
  });
  await readyPool(emulator, capacity);
}

/** Until the standby pool has `capacity` warm groups ready again. */
async function readyPool(emulator: Emulator, capacity: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!emulator.standbyPools().some((pool) => pool.ready.length >= capacity)) {
    if (Date.now() > deadline) throw new Error('warm: the standby pool never filled up');
    await sleep(50);
  }
}

interface JobSample {
  job: ScenarioJob;
  startedAt: number;
  finishedAt: number;
  warmRuns: number;
  cpu: CpuByProcess;
  /** by group name (lower case): first seen Running */
  runningAt: Map<string, number>;
  since: number;
}

async function measure(
  stack: ScenarioStack,
  plan: WarmPlan,
  progress: (message: string) => void,
): Promise<Omit<WarmResult, 'worker'>> {
  const samples: Record<'warm' | 'fresh', JobSample[]> = { warm: [], fresh: [] };
  // the first job of each kind pays for cold caches (and the worker's one read of the profile): not measured
  for (const pool of ['warm', 'fresh'] as const) await runOne(stack, plan, pool, 'warmup', 1);
  for (let round = 0; round < plan.rounds; round++) {
    for (const pool of ['warm', 'fresh'] as const) {
      await readyPool(stack.emulator, plan.instances);
      progress(`warm starts: round ${round + 1} of ${plan.rounds}, ${plan.instances} runs in pool ${pool}`);
      samples[pool].push(await runOne(stack, plan, pool, round, plan.instances));
    }
  }
  return {
    plan,
    warm: await side(stack, 'warm', samples.warm),
    fresh: await side(stack, 'fresh', samples.fresh),
  };
}

async function runOne(
  stack: ScenarioStack,
  plan: WarmPlan,
  pool: 'warm' | 'fresh',
  label: string | number,
  instances: number,
): Promise<JobSample> {
  const job: ScenarioJob = {
    tenant: TENANT,
    jobId: benchJobId('warm', pool, label),
    instances,
    maxParallel: instances,
    runMs: plan.runMs,
    spec: { cpu: CPU, memoryGB: MEMORY_GB, placement: { pools: [pool] } },
  };
  const groups = groupsOf(job);
  const since = preciseNow();
  const watcher = watchRunning(stack.emulator, groups);
  try {
    const { result, cpu } = await withCpu(stack.processes, () => runScenarioJob(stack, job));
    return {
      job,
      startedAt: result.submitted.startedAt,
      finishedAt: result.finishedAt,
      warmRuns: result.summary.runs.filter((run) => run.warm === true).length,
      cpu,
      runningAt: watcher.seen,
      since,
    };
  } finally {
    watcher.stop();
  }
}

/** The first time each of these groups' containers is seen Running at the emulator (every 5 ms). */
function watchRunning(emulator: Emulator, groups: string[]): { seen: Map<string, number>; stop(): void } {
  const wanted = new Set(groups);
  const seen = new Map<string, number>();
  const timer = setInterval(() => {
    const now = preciseNow();
    for (const group of emulator.groups()) {
      const name = group.name.toLowerCase();
      if (!wanted.has(name) || seen.has(name) || group.containers[0]?.state !== 'Running') continue;
      seen.set(name, now);
    }
  }, 5);
  return { seen, stop: () => clearInterval(timer) };
}

async function side(stack: ScenarioStack, pool: 'warm' | 'fresh', samples: JobSample[]): Promise<WarmSide> {
  const puts: number[] = [];
  const running: number[] = [];
  const created: number[] = [];
  const requests = [];
  const cpuTotals: CpuByProcess = {};
  let runs = 0;
  let warmRuns = 0;
  const ids: string[] = [];
  const jobIds: string[] = [];
  for (const sample of samples) {
    const groups = new Set(groupsOf(sample.job));
    const log = stack.emulator.requests
      .all()
      .filter((entry) => entry.time >= sample.since && entry.time <= sample.finishedAt);
    // the run's own requests, and the profile reads (no group) made while its job ran
    const mine = log.filter((entry) =>
      entry.group ? groups.has(entry.group.toLowerCase()) : entry.operation === 'getProfile',
    );
    requests.push(...mine);
    const firstPut = new Map<string, number>();
    for (const entry of mine) {
      const group = entry.group?.toLowerCase();
      if (entry.method === 'PUT' && group && !firstPut.has(group)) firstPut.set(group, entry.time);
    }
    const runIdsOfJob = runIds(sample.job);
    ids.push(...runIdsOfJob);
    jobIds.push(jobWorkflowId(sample.job.tenant, sample.job.jobId));
    const createdAt = await Promise.all(
      runIdsOfJob.map((id) => activityCompletedAt(stack.client, id, 'createContainerGroup')),
    );
    for (const [i, group] of groupsOf(sample.job).entries()) {
      puts.push((firstPut.get(group) ?? Number.NaN) - sample.startedAt);
      running.push((sample.runningAt.get(group) ?? Number.NaN) - sample.startedAt);
      created.push(createdAt[i]! - sample.startedAt);
    }
    for (const [name, seconds] of Object.entries(sample.cpu))
      cpuTotals[name] = (cpuTotals[name] ?? 0) + seconds;
    runs += sample.job.instances;
    warmRuns += sample.warmRuns;
  }
  const jobHistory = await historyCounts(stack.client, jobIds);
  return {
    pool,
    runs,
    warmRuns,
    startToPutMs: distribution(puts),
    startToRunningMs: distribution(running),
    startToCreatedMs: distribution(created),
    armPerRun: perRun(countByKind(requests), runs),
    cpuMsPerRun: perRunMs(cpuTotals, runs),
    history: await historyCounts(stack.client, ids),
    jobShare: {
      events: (jobHistory.events * jobIds.length) / runs,
      workflowTasks: (jobHistory.workflowTasks * jobIds.length) / runs,
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
