/**
 * The frame every chaos scenario shares: a local stack tuned for fast runs, and the conclusion (wait for every
 * job within a bound, judge each run, look for leaked or twice-created container groups, record the tally row,
 * then assert).
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import type { Emulator, EmulatorOptions } from '../../dev/emulator';
import type { JobSummary } from '../../src/shared/messages';
import { expect, inject } from 'vitest';
import { workflowBundle } from '../helpers/temporal';
import type { WaitOptions } from '../helpers/wait';
import { groupNamesOf, judge, runCount, settleJobs, type ChaosJob, type StartedJob } from './jobs';
import { groupsNotCreatedExactlyOnce, leakedGroups } from './groups';
import type { ChaosTally } from './tally';

/** How often the activities poll ARM operations: fast, the emulator answers at once. */
export const CHAOS_POLL_INTERVAL_MS = 100;
export const CHAOS_RESOURCE_GROUP = 'aci-batch-chaos';
/** How long a scenario waits for its runs to get where it injects a fault, and how often it looks. */
export const CHAOS_WAIT: WaitOptions = { timeoutMs: 45_000, intervalMs: 100 };

export function chaosTaskQueue(scenario: string): string {
  return `chaos-${scenario}-${randomBytes(4).toString('hex')}`;
}

export interface ChaosStackOptions {
  scenario: string;
  /** default: the run's shared dev server */
  temporalAddress?: string;
  emulator?: EmulatorOptions;
  callbackSecret?: string;
}

/** Emulator, worker and API in this process (dev/local-stack.ts); containers report by HTTP callback. */
export function startChaosStack(options: ChaosStackOptions): Promise<LocalStack> {
  return startLocalStack({
    temporalAddress: options.temporalAddress ?? inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: chaosTaskQueue(options.scenario),
    workflowBundle: workflowBundle(),
    pollIntervalMs: CHAOS_POLL_INTERVAL_MS,
    resourceGroup: CHAOS_RESOURCE_GROUP,
    emulator: options.emulator,
    callbackSecret: options.callbackSecret,
  });
}

export interface ScenarioRecord {
  tally: ChaosTally;
  scenario: string;
  jobs: readonly ChaosJob[];
  started: readonly StartedJob[];
  emulator: Emulator;
  /** how long every job together may take from now */
  timeoutMs: number;
  /** the faults injected so far; called once the jobs have settled */
  faults: () => { count: number; detail: string };
}

/**
 * Waits for every job (bounded), judges each run against its expected result, finds leaked and twice-created
 * container groups, records the scenario's tally row, and only then asserts that all is right.
 */
export async function concludeScenario(record: ScenarioRecord): Promise<JobSummary[]> {
  const settled = await settleJobs(record.started, record.timeoutMs);
  const wrong = record.jobs.flatMap((job, index) => judge(job, settled[index]!));
  const summaries = settled.flatMap((outcome) => ('summary' in outcome ? [outcome.summary] : []));
  const leaked = leakedGroups(record.emulator, summaries);
  const creations = groupsNotCreatedExactlyOnce(record.emulator, record.jobs.flatMap(groupNamesOf));
  const faults = record.faults();
  record.tally.record({
    scenario: record.scenario,
    jobs: record.jobs.length,
    runs: runCount(record.jobs),
    faults: faults.count,
    faultDetail: faults.detail,
    wrongResults: wrong.length,
    leakedGroups: leaked.length,
  });

  expect(wrong, 'runs whose result is wrong').toEqual([]);
  expect(
    leaked.map((group) => `${group.name} (${group.state})`),
    'container groups left behind',
  ).toEqual([]);
  expect(creations, 'container groups not created exactly once').toEqual([]);
  expect(faults.count, 'faults injected').toBeGreaterThan(0);
  return summaries;
}
