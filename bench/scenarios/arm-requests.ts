/**
 * Issue 17: ARM requests per container run, by kind, from the emulator's request log, in each latency profile
 * and for what a run does around its container:
 *
 * - `plain`: no log archive, `logTailLines: 0` (the other bench scenarios' jobs: nothing read before the delete);
 * - `log tail`: no log archive, the spec's default `logTailLines` (50: the log's tail read before the delete);
 * - `archive`: the log archive on (Azurite), the spec's defaults: the product as shipped.
 *
 * Admission is on in each (as shipped), with limits far above the load. Each variant runs a job whose
 * containers end before the monitor's first tick (the fixed cost of a run), then a job whose runs are watched
 * every second for a few ticks (the cost of a tick: the difference, over the ticks the histories show).
 */
import { capacityConfigSchema } from '../../src/capacity/config';
import type { JobSpecInput } from '../../src/shared/job-spec';
import { countByKind, perRun, type ArmRequestKind } from '../arm-request-kinds';
import { historyCounts } from '../history-stats';
import { benchJobId } from '../jobs';
import type { ArmRequestsPlan, ProfileName } from '../options';
import { startScenarioStack, terminateOpenWorkflows, type ScenarioStack } from '../scenario-stack';
import { groupsOf, runIds, runScenarioJob, type ScenarioJob } from '../scenario-jobs';
import type { BenchTemporal } from '../temporal';
import { emulatorAccount, unlimitedAccount } from '../account-limits';

export type ArmVariant = 'plain' | 'log tail' | 'archive';

const LIMITS = unlimitedAccount();

export interface ArmVariantResult {
  profile: ProfileName;
  variant: ArmVariant;
  runs: number;
  /** runs that end before their monitor's first tick */
  perRun: Record<ArmRequestKind | 'all', number>;
  /** runs watched every second: their requests per run, and their monitor ticks per run (from the histories) */
  watched: { perRun: Record<ArmRequestKind | 'all', number>; ticksPerRun: number };
  /** the difference over the ticks: what one tick costs */
  perTick: Record<ArmRequestKind | 'all', number>;
  /** activities per run (no tick), by type, from the runs' histories */
  activitiesPerRun: Record<string, number>;
  /** the ledger's usage reads during the variant (per account and refresh, not per run) */
  usagesReads: number;
}

export interface ArmRequestsResult {
  plan: ArmRequestsPlan;
  variants: ArmVariantResult[];
}

export async function measureArmRequests(
  plan: ArmRequestsPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
): Promise<ArmRequestsResult> {
  const variants: ArmVariantResult[] = [];
  for (const profile of plan.profiles) {
    for (const storage of [false, true]) {
      const stack = await startScenarioStack(
        {
          label: `arm-${profile.name}`,
          emulator: {
            latency: profile.latency,
            ...emulatorAccount(LIMITS),
            readBucket: false,
            containerRuntime: 'inert',
          },
          storage,
          pollIntervalMs: profile.pollIntervalMs,
          capacity: capacityConfigSchema.parse({ defaults: { limits: LIMITS } }),
        },
        temporal,
        bundlePath,
      );
      try {
        // the first job pays for cold caches and starts the ledger: not counted
        await runScenarioJob(stack, job('warmup', 1, profile.runMs, {}));
        const kinds: Array<[ArmVariant, Partial<JobSpecInput>]> = storage
          ? [['archive', {}]]
          : [
              ['plain', { logTailLines: 0 }],
              ['log tail', {}],
            ];
        for (const [variant, spec] of kinds) {
          progress(`ARM requests: ${profile.name} latency, ${variant}`);
          variants.push(await measureVariant(stack, plan, profile, variant, spec));
        }
        await terminateOpenWorkflows(stack, 'the bench scenario is over');
      } catch (error) {
        await terminateOpenWorkflows(stack, 'the bench scenario failed').catch(() => undefined);
        await stack.stop().catch(() => undefined);
        throw error;
      }
      await stack.stop();
    }
  }
  return { plan, variants };
}

function job(label: string, instances: number, runMs: number, spec: Partial<JobSpecInput>): ScenarioJob {
  return {
    tenant: 'arm',
    jobId: benchJobId('arm', label),
    instances,
    maxParallel: instances,
    runMs,
    spec,
  };
}

async function measureVariant(
  stack: ScenarioStack,
  plan: ArmRequestsPlan,
  profile: ArmRequestsPlan['profiles'][number],
  variant: ArmVariant,
  spec: Partial<JobSpecInput>,
): Promise<ArmVariantResult> {
  const tag = variant.replace(' ', '');
  stack.emulator.requests.clear();
  const fixed = job(`${profile.name}-${tag}`, plan.runs, profile.runMs, spec);
  await runScenarioJob(stack, fixed);
  const watched = job(`${profile.name}-${tag}-ticks`, plan.runs, plan.ticks * 1_000 + 500, {
    ...spec,
    monitorInterval: '1s',
  });
  await runScenarioJob(stack, watched);
  const log = stack.emulator.requests.all();
  const ofJob = (j: ScenarioJob) => {
    const groups = new Set(groupsOf(j));
    return perRun(
      countByKind(log.filter((entry) => entry.group && groups.has(entry.group.toLowerCase()))),
      j.instances,
    );
  };
  const fixedPerRun = ofJob(fixed);
  const watchedPerRun = ofJob(watched);
  const [fixedHistory, watchedHistory] = await Promise.all([
    historyCounts(stack.client, runIds(fixed)),
    historyCounts(stack.client, runIds(watched)),
  ]);
  const ticksOf = (history: typeof fixedHistory) => history.activitiesByType.getContainerGroupState ?? 0;
  const ticks = ticksOf(watchedHistory) - ticksOf(fixedHistory);
  const perTick = Object.fromEntries(
    Object.entries(watchedPerRun).map(([kind, n]) => [
      kind,
      ticks > 0 ? (n - fixedPerRun[kind as ArmRequestKind | 'all']) / ticks : Number.NaN,
    ]),
  ) as ArmVariantResult['perTick'];
  return {
    profile: profile.name,
    variant,
    runs: plan.runs,
    perRun: fixedPerRun,
    watched: { perRun: watchedPerRun, ticksPerRun: ticksOf(watchedHistory) },
    perTick,
    activitiesPerRun: fixedHistory.activitiesByType,
    usagesReads: log.filter((entry) => entry.operation === 'usages').length,
  };
}
