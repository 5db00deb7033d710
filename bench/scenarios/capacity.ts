/**
 * Capacity: three tenants (weights 1:1:2) each submit more work than a small ACI account runs at once, with
 * admission on (the ledger paces creates and shares the account by weight) and off (today's behaviour: every
 * run creates at once and retries above quota or after a 429 on its own), side by side in one bench run, each
 * on a fresh emulator and worker. Measured from the runs' results and the emulator's request log: makespan
 * against the floor the budgets allow, 429s and quota refusals, per-tenant shares while all were backlogged,
 * queue waits; with admission on, also the queue positions and start estimates `JobClient.status` showed,
 * against when each run actually started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestLogEntry } from '../../dev/emulator';
import { preciseNow } from '../../dev/emulator/time';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/azure/client';
import type { JobRef } from '../../src/client';
import { parseJobSpec, type SubmittedJobSpec } from '../../src/shared/job-spec';
import { completionSignal, type JobSummary } from '../../src/shared/messages';
import { containerGroupName, runWorkflowId } from '../../src/shared/names';
import {
  capacityFloor,
  checkEstimates,
  deleteToNextCreate,
  plannedRuns,
  queueWaits,
  runKey,
  simulateFairShare,
  submissionOrder,
  tenantShares,
  utilisation,
  type CapacityFloor,
  type EstimateCheck,
  type RunRecord,
  type Shares,
  type Sighting,
} from '../capacity-analysis';
import { startCapacityStack, type CapacityStack } from '../capacity-stack';
import { BENCH_COMMAND, BENCH_IMAGE } from '../containers';
import { benchJobId } from '../jobs';
import type { CapacityJobPlan, CapacityPlan } from '../options';
import { distribution, type Distribution } from '../stats';
import type { BenchTemporal } from '../temporal';
import { BENCH_RESOURCE_GROUP } from '../worker-child';
import { firstSuccessByGroup } from '../arm-request-kinds';

/** The account measured. */
const REGION = 'eastus';
/** A warm-up job runs first in another account (its own quotas and windows), so the measured one starts clean. */
const WARMUP_REGION = 'westus2';

export interface CapacitySide {
  admission: boolean;
  runs: number;
  /** first submit → the last job's result */
  makespanSeconds: number;
  /** first submit → the last run workflow's start (what starting them all took) */
  runsStartedSeconds: number;
  /** first submit → the first successful create */
  firstCreateSeconds: number;
  /** makespan / floor */
  floorRatio: number;
  /** PUTs of container groups at the emulator, from the first submit */
  creates: { requests: number; throttled: number; quotaRefused: number };
  /** every other request answered 429 (deletes, reads), by operation */
  otherThrottled: Record<string, number>;
  shares: Shares;
  /** a run's start → its successful create (the emulator's log), s */
  waitSeconds: Distribution;
  /** with admission: the ledger's own wait per run (its result's queuedSeconds, whole seconds) */
  ledgerQueuedSeconds?: Distribution;
  /** cores held over cores available, from the first submit to the last create */
  utilisation: number;
  /** per run: create → delete at the emulator, minus the container's run time, ms */
  heldBeyondRunMs: Distribution;
  /** each create that followed a delete: the time since the latest delete, ms (with admission: the handoff) */
  deleteToNextCreateMs: Distribution;
  /** with admission: positions and estimates shown by JobClient.status against the actual starts */
  estimates?: EstimateCheck;
  /** reads of every job's status (JobClient.status) during the side, and how many failed */
  statusReads: { rounds: number; failed: number };
  worker: { peakRssMb: number; cpuSeconds: number };
}

export interface CapacityResult {
  timeScale: number;
  limits: CapacityPlan['limits'];
  ledgerRefresh: string;
  statusPollMs: number;
  tenants: Array<{
    name: string;
    weight: number;
    jobs: CapacityJobPlan[];
    runs: number;
    coreSeconds: number;
  }>;
  runs: number;
  floor: CapacityFloor;
  /** the policy alone, with no time lost around the runs (simulateFairShare), s */
  policySeconds: number;
  on: CapacitySide;
  off: CapacitySide;
}

/**
 * Both sides, admission on first. `rawDir`: where each side's raw data goes (capacity-on.json,
 * capacity-off.json: every run's times, every sighting, the account's usage sampled every 100 ms; times in ms
 * from the first submit).
 */
export async function measureCapacity(
  plan: CapacityPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
  rawDir?: string,
): Promise<CapacityResult> {
  const runs = plannedRuns(plan);
  progress(`capacity: admission on (${runs.length} runs, ${plan.tenants.length} tenants)`);
  const on = await measureSide(plan, true, temporal, bundlePath, rawDir);
  progress(`capacity: admission off (makespan with admission: ${on.makespanSeconds.toFixed(1)} s)`);
  const off = await measureSide(plan, false, temporal, bundlePath, rawDir);
  const floor = capacityFloor(plan);
  for (const side of [on, off]) side.floorRatio = side.makespanSeconds / floor.seconds;
  return {
    timeScale: plan.timeScale,
    limits: plan.limits,
    ledgerRefresh: plan.ledgerRefresh,
    statusPollMs: plan.statusPollMs,
    tenants: plan.tenants.map((tenant) => {
      const mine = runs.filter((run) => run.tenant === tenant.name);
      return {
        name: tenant.name,
        weight: tenant.weight,
        jobs: tenant.jobs,
        runs: mine.length,
        coreSeconds: mine.reduce((sum, run) => sum + (run.cpu * run.runMs) / 1000, 0),
      };
    }),
    runs: runs.length,
    floor,
    policySeconds: simulateFairShare(plan),
    on,
    off,
  };
}

interface Submitted {
  ref: JobRef;
  cpu: number;
  runMs: number[];
  instances: number;
}

async function measureSide(
  plan: CapacityPlan,
  admission: boolean,
  temporal: BenchTemporal,
  bundlePath: string,
  rawDir: string | undefined,
): Promise<CapacitySide> {
  const stack = await startCapacityStack(plan, admission, temporal, bundlePath);
  let measured: Omit<CapacitySide, 'worker'>;
  try {
    const { side, raw } = await runSide(stack, plan);
    measured = side;
    if (rawDir) {
      mkdirSync(rawDir, { recursive: true });
      writeFileSync(join(rawDir, `capacity-${admission ? 'on' : 'off'}.json`), `${JSON.stringify(raw)}\n`);
    }
    await closeLeftovers(stack);
  } catch (error) {
    await stack.stop().catch(() => undefined);
    throw error;
  }
  const usage = await stack.stop();
  return { ...measured, worker: { peakRssMb: usage.peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds } };
}

/** A side's raw data, times in ms from the first submit. */
interface RawSide {
  runs: RunRecord[];
  sightings: Sighting[];
  /** the account's cores and groups in use */
  usage: Array<{ t: number; cores: number; groups: number }>;
  makespanMs: number;
}

/** How often the account's usage is sampled for the raw data. */
const USAGE_SAMPLE_MS = 100;

async function runSide(
  stack: CapacityStack,
  plan: CapacityPlan,
): Promise<{ side: Omit<CapacitySide, 'worker'>; raw: RawSide }> {
  const label = stack.admission ? 'on' : 'off';
  // the first job of a worker pays for cold caches (and, with admission, starts a ledger): not here
  await runToEnd(stack, [
    await submit(stack, {
      tenant: plan.tenants[0]!.name,
      jobId: benchJobId('cap', label, 'warmup'),
      job: { instances: 1, cpu: 1, runMs: [0] },
      region: WARMUP_REGION,
    }),
  ]);

  const since = preciseNow();
  const usage: RawSide['usage'] = [];
  const sampling = setInterval(() => {
    const { cores, containerGroups } = stack.emulator.usage(EMULATOR_SUBSCRIPTION_ID, REGION);
    usage.push({ t: Math.round(preciseNow() - since), cores, groups: containerGroups });
  }, USAGE_SAMPLE_MS);
  const submitted: Submitted[] = [];
  // one job per tenant in turn, so that each tenant's first job is in the queue before anyone's second
  for (const { tenant, job, position } of submissionOrder(plan)) {
    submitted.push(
      await submit(stack, {
        tenant,
        jobId: benchJobId('cap', label, tenant, position),
        job,
        region: REGION,
      }),
    );
  }
  const sightings: Sighting[] = [];
  const reads = { rounds: 0, failed: 0 };
  const summaries = await runToEnd(stack, submitted, async (pending) => {
    const round = ++reads.rounds;
    const roundAt = preciseNow();
    await Promise.all(
      pending.map(async ({ ref }) => {
        const status = await stack.jobs.status(ref, { liveProgress: false }).catch(() => {
          reads.failed++;
          return undefined;
        });
        // when the answer came: a busy worker answers queries late, and the estimates are made then
        const seenAt = preciseNow();
        for (const instance of status?.instances ?? []) {
          if (instance.queuePosition === undefined || instance.estimatedStartAt === undefined) continue;
          sightings.push({
            run: runKey(ref.tenant, ref.jobId, instance.index),
            round,
            seenAt,
            position: instance.queuePosition,
            estimatedStartAt: Date.parse(instance.estimatedStartAt),
          });
        }
      }),
    );
    await sleep(Math.max(0, roundAt + plan.statusPollMs - preciseNow()));
  });
  const lastResultAt = preciseNow();
  clearInterval(sampling);

  const requests = stack.emulator.requests.all().filter((entry) => entry.time >= since);
  const runs = runRecords(submitted, summaries, requests);
  const creates = requests.filter((entry) => entry.operation === 'create');
  const otherThrottled: Record<string, number> = {};
  for (const entry of requests) {
    if (entry.operation === 'create' || entry.status !== 429) continue;
    const operation = entry.operation ?? entry.method;
    otherThrottled[operation] = (otherThrottled[operation] ?? 0) + 1;
  }
  const queued = runs.flatMap((run) => (run.queuedSeconds === undefined ? [] : [run.queuedSeconds]));
  const relative = (time: number) => Math.round(time - since);
  const raw: RawSide = {
    runs: runs.map((run) => ({
      ...run,
      startedAt: relative(run.startedAt),
      createdAt: relative(run.createdAt),
      deletedAt: relative(run.deletedAt),
    })),
    sightings: sightings.map((s) => ({
      ...s,
      seenAt: relative(s.seenAt),
      estimatedStartAt: relative(s.estimatedStartAt),
    })),
    usage,
    makespanMs: relative(lastResultAt),
  };
  const side: Omit<CapacitySide, 'worker'> = {
    admission: stack.admission,
    runs: runs.length,
    makespanSeconds: (lastResultAt - since) / 1000,
    runsStartedSeconds: (Math.max(...runs.map((run) => run.startedAt)) - since) / 1000,
    firstCreateSeconds: (Math.min(...runs.map((run) => run.createdAt)) - since) / 1000,
    floorRatio: Number.NaN, // set once the floor is known
    creates: {
      requests: creates.length,
      throttled: creates.filter((entry) => entry.status === 429).length,
      quotaRefused: creates.filter((entry) => entry.code === 'ContainerGroupQuotaReached').length,
    },
    otherThrottled,
    shares: tenantShares(runs, plan.tenants, since),
    waitSeconds: queueWaits(runs),
    ...(stack.admission && queued.length > 0 && { ledgerQueuedSeconds: distribution(queued) }),
    utilisation: utilisation(runs, plan.limits.cores, since),
    heldBeyondRunMs: distribution(runs.map((run) => run.deletedAt - run.createdAt - run.runMs)),
    deleteToNextCreateMs: deleteToNextCreate(runs),
    ...(stack.admission && { estimates: checkEstimates(sightings, runs) }),
    statusReads: reads,
  };
  return { side, raw };
}

async function submit(
  stack: CapacityStack,
  options: {
    tenant: string;
    jobId: string;
    job: CapacityPlan['tenants'][number]['jobs'][number];
    region: string;
  },
): Promise<Submitted> {
  const { tenant, jobId, job } = options;
  for (let index = 0; index < job.instances; index++) {
    const runMs = job.runMs[index % job.runMs.length]!;
    stack.containers.expect(containerGroupName(tenant, jobId, index), runMs, () => {
      stack.client.workflow
        .getHandle(runWorkflowId(tenant, jobId, index))
        .signal(completionSignal, { status: 'Completed', exitCode: 0, reportId: 'bench-done' })
        .catch((error: unknown) => console.error(`[bench] completion of ${jobId}#${index}:`, error));
    });
  }
  const spec = parseJobSpec({
    tenant,
    jobId,
    image: BENCH_IMAGE,
    command: BENCH_COMMAND,
    cpu: job.cpu,
    memoryGB: 0.5,
    instances: job.instances,
    maxParallel: job.instances,
    ...(job.priority !== undefined && { priority: job.priority }),
    region: options.region,
    resourceGroup: BENCH_RESOURCE_GROUP,
    logTailLines: 0,
    monitorInterval: '30s',
    timeLimit: '30m',
    onFailure: { action: 'delete' },
  }) as SubmittedJobSpec;
  const { ref } = await stack.jobs.submit(spec);
  return { ref, cpu: job.cpu, runMs: job.runMs, instances: job.instances };
}

/**
 * Waits for every job's summary (each must have succeeded in full), calling `whilePending` in a loop with the
 * jobs not finished yet.
 */
async function runToEnd(
  stack: CapacityStack,
  jobs: Submitted[],
  whilePending?: (pending: Submitted[]) => Promise<void>,
): Promise<Map<Submitted, JobSummary>> {
  const summaries = new Map<Submitted, JobSummary>();
  const results = Promise.all(
    jobs.map(async (job) => {
      const summary = await stack.jobs.result(job.ref);
      if (summary.succeeded !== job.instances) {
        throw new Error(
          `capacity: job ${job.ref.jobId}: ${summary.succeeded}/${job.instances} runs succeeded (${summary.outcome})`,
        );
      }
      summaries.set(job, summary);
    }),
  );
  if (whilePending) {
    let done = false;
    const polling = (async () => {
      while (!done) {
        const pending = jobs.filter((job) => !summaries.has(job));
        if (pending.length === 0) break;
        await whilePending(pending);
      }
    })();
    try {
      await results;
    } finally {
      done = true;
      await polling;
    }
  } else {
    await results;
  }
  return summaries;
}

/** Each run with its create and delete as the emulator saw them. */
function runRecords(
  submitted: Submitted[],
  summaries: Map<Submitted, JobSummary>,
  requests: RequestLogEntry[],
): RunRecord[] {
  const created = firstSuccessByGroup(requests, 'PUT');
  const deleted = firstSuccessByGroup(requests, 'DELETE');
  return submitted.flatMap((job) =>
    summaries.get(job)!.runs.map((run): RunRecord => {
      const group = run.groupName.toLowerCase();
      const createdAt = created.get(group);
      const deletedAt = deleted.get(group);
      if (createdAt === undefined || deletedAt === undefined) {
        throw new Error(`capacity: no successful create or delete of ${run.groupName} in the emulator's log`);
      }
      return {
        tenant: job.ref.tenant,
        jobId: job.ref.jobId,
        index: run.instanceIndex,
        cpu: job.cpu,
        runMs: job.runMs[run.instanceIndex % job.runMs.length]!,
        startedAt: Date.parse(run.startedAt),
        createdAt,
        deletedAt,
        ...(run.queuedSeconds !== undefined && { queuedSeconds: run.queuedSeconds }),
      };
    }),
  );
}

/**
 * What a side leaves open on the task queue (the admission ledgers, which never end) is terminated, so that
 * a reused Temporal server is not left with workflows no worker will serve again.
 */
async function closeLeftovers(stack: CapacityStack): Promise<void> {
  const open = stack.client.workflow.list({
    query: `TaskQueue = "${stack.taskQueue}" AND ExecutionStatus = "Running"`,
  });
  for await (const workflow of open) {
    await stack.client.workflow
      .getHandle(workflow.workflowId, workflow.runId)
      .terminate('the bench side is over')
      .catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
