/**
 * containerRun: one instance of a job in one container group.
 *
 *   create the group → start the work (when the job has a control endpoint) → wait for the container's report
 *   within the time limit while the monitor watches the group → act on the outcome per the job's policies:
 *   delete (or stop) on success, restart up to maxRestarts, delete or stop on failure, delete on time-out.
 *
 * Every path that created a group removes it, or stops it when a policy keeps it; cancellation included.
 * A long wait continues as new with the run's state, so a run may last as long as a spec allows (30 days).
 *
 * Under admission the ledger leases the run a place (a pool, Regular or Spot) before the create; ACI refusing
 * the create (429, quota, no capacity in the region) hands the lease back and the run waits again, maybe for
 * another pool. A Spot group that ACI evicts is waited for (the platform restarts it) or deleted and the run
 * moved to Regular capacity, as the job's placement says; an eviction is not a restart of the job's policy.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  allHandlersFinished,
  continueAsNew,
  ContinueAsNew,
  isCancellation,
  log,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { controlUrl, reportChannelOf, runTokenLifetimeMs, type Control } from '../shared/container-contract';
import { placementOptions, type PoolPlacement } from '../shared/capacity';
import type { ContainerGroupRef, GroupPlacement } from '../shared/container-groups';
import { durationMs } from '../shared/duration';
import { AciFailureType } from '../shared/failures';
import type { InstanceSpec } from '../shared/job-spec';
import type { RunResult } from '../shared/messages';
import type { OutputsResult } from '../shared/storage';
import { containerGroupName } from '../shared/names';
import { DEFAULT_ACI_PRICES, runCostUsd } from '../shared/pricing';
import {
  createAdmittedContainerGroup,
  createContainerGroup,
  getContainerGroupState,
  listRunOutputs,
  restartContainerGroup,
  startContainerWork,
} from './activities';
import { Admission } from './admission';
import { awaitAttemptOutcome, type AttemptOutcome } from './attempt-wait';
import { removeGroup, type RemoveOptions } from './cleanup';
import { describeFailure } from './failures';
import type { ContainerRunInput } from './inputs';
import { RunArchive } from './log-archive';
import { awaitRecovery, watchGroup } from './monitor';
import { matchRule, nextStep, verdictOf, type MatchedRule, type Verdict } from './outcome';
import { RunState } from './run-state';

/**
 * Runs that archive their container's log and list their outputs (issue 15): new activities on the monitor's
 * ticks and before every restart and removal, which runs started before would not replay.
 */
export const STORAGE_PATCH = 'log-archive-and-outputs';

/**
 * A restart finds the group gone (the platform took it away: an eviction) and makes it again. Runs that
 * restarted a vanished group before this existed recorded a failed restart instead: they replay that way.
 */
const RECREATE_PATCH = 'recreate-vanished-group';

export async function containerRun(input: ContainerRunInput): Promise<RunResult> {
  const { spec, resumed } = input;
  const { workflowId: runId, firstExecutionRunId: firstRunId } = workflowInfo();
  const run = new RunState(containerGroupName(spec.tenant, spec.jobId, input.instanceIndex), resumed);
  run.listen();
  // the run's log archive and outputs live under its first run id: a later job with the same id has its own
  const archive = patched(STORAGE_PATCH)
    ? new RunArchive(
        { tenant: spec.tenant, jobId: spec.jobId, instanceIndex: input.instanceIndex, runKey: firstRunId },
        resumed?.logArchive,
      )
    : undefined;
  const placement = input.capacity;
  // under admission the ledger decides where and when the group may be created (and when deleted)
  const admission =
    placement &&
    new Admission(
      placement,
      {
        runId,
        tenant: spec.tenant,
        jobId: spec.jobId,
        priority: placement.priority,
        cores: spec.cpu,
        options: placementOptions(placement),
        groupName: run.groupName,
        ...(spec.resourceGroup && { resourceGroup: spec.resourceGroup }),
      },
      resumed?.admission,
    );
  admission?.listen();

  const startedAtMs = resumed?.startedAtMs ?? Date.now();
  const billing = new Billing(resumed);
  // '' lets the worker use its default resource group; create answers with the one it used
  let group: ContainerGroupRef = resumed?.group ?? {
    resourceGroup: resumed?.resourceGroup ?? spec.resourceGroup ?? '',
    name: run.groupName,
  };
  let deadlineMs = resumed?.deadlineMs ?? 0;
  let warm: boolean | undefined = resumed?.warm;
  /** where the current (or last) group was made, under admission */
  let ranIn: { pool: PoolPlacement; spot: boolean } | undefined = resumed?.ranIn;
  /** a group exists (or existed): its container's log is archived before it goes */
  let groupCreated = resumed !== undefined;
  /**
   * The number the archive gives the group's container log: the attempt's, or past it once the run moved off
   * an evicted Spot group (each container's log is kept apart). A restart's backoff runs ahead of the group.
   */
  let groupLog = resumed?.groupLog ?? run.attempt;
  /** the archive's last read and seal of the group's log, for removeGroup */
  const closeLog = (): RemoveOptions['closeLog'] =>
    archive && groupCreated ? (tailLines) => archive.close(group, groupLog, tailLines) : undefined;

  /**
   * Creates the group (under admission, once the ledger grants a lease, where it grants it); a failure ends the
   * run (restarting cannot fix an image or a spec ARM refuses), except ACI's 429, quota and no-capacity answers
   * under admission: the run gives the lease back and waits for capacity again.
   */
  async function create(): Promise<{ ip?: string } | Verdict> {
    for (;;) {
      let where: GroupPlacement | undefined;
      if (admission) {
        await admission.acquire(run);
        run.phase = 'Creating';
        const pool = admission.pool!;
        ranIn = { pool, spot: admission.spot };
        group = {
          subscriptionId: pool.subscriptionId,
          resourceGroup: pool.resourceGroup,
          name: run.groupName,
        };
        where = {
          region: pool.region,
          spot: admission.spot,
          ...(pool.standby && canStartWarm(spec, input) && { standby: pool.standby }),
        };
      }
      billing.start(admission?.spot ?? false);
      try {
        const created = await (admission ? createAdmittedContainerGroup : createContainerGroup)({
          ...group,
          spec,
          run: { workflowId: runId, firstRunId, jobId: spec.jobId, instanceIndex: input.instanceIndex },
          reporting: reportChannelOf(input.settings, Date.now() + runTokenLifetimeMs(spec)),
          ...(where && { placement: where }),
        });
        admission?.created();
        group = { ...group, resourceGroup: created.resourceGroup };
        warm = created.warm;
        groupCreated = true;
        return { ip: created.ip };
      } catch (error) {
        if (isCancellation(error)) throw error;
        billing.cancel();
        if (admission && (await admission.refused(error))) continue;
        return {
          status: 'Failed',
          message: `could not create the container group: ${describeFailure(error)}`,
          reason: 'CreateFailed',
        };
      }
    }
  }

  /** Starts the attempt's work (when the job has a control endpoint), then waits for its outcome. */
  async function attempt(ip: string | undefined): Promise<AttemptOutcome> {
    if (spec.control && !run.completion) {
      run.phase = 'Starting';
      const failure = await startWork(spec.control, ip);
      if (failure) return failure;
    }
    run.phase = 'Running';
    deadlineMs = Date.now() + durationMs(spec.timeLimit);
    return awaitOutcome();
  }

  /** Retried (by the activity's policy) until the container listens; the run key makes repeats harmless. */
  async function startWork(control: Control, ip: string | undefined): Promise<AttemptOutcome | undefined> {
    if (!ip)
      return { kind: 'lost', reason: 'the container group has no IP address to send the start call to' };
    try {
      await startContainerWork({
        url: controlUrl(ip, control, control.startPath),
        runKey: `${runId}#${run.attempt}`,
        body: { runId, attempt: run.attempt },
      });
      return undefined;
    } catch (error) {
      if (isCancellation(error)) throw error;
      return {
        kind: 'lost',
        reason: `the container did not accept its start call: ${describeFailure(error)}`,
      };
    }
  }

  function monitorIntervalMs(): number {
    const specMs = durationMs(spec.monitorInterval);
    // the archive's read is a second ARM read per tick: within the pool's read budget, ticks come less often
    const archiving = archive !== undefined && !archive.disabled;
    return admission ? admission.monitorIntervalMs(specMs, archiving ? 2 : 1) : specMs;
  }

  function awaitOutcome(): Promise<AttemptOutcome> {
    const control = spec.control;
    const progressPath = control?.progressPath;
    const progressUrl =
      control && progressPath ? (ip: string) => controlUrl(ip, control, progressPath) : undefined;
    return awaitAttemptOutcome(run, deadlineMs, () =>
      watchGroup({
        group,
        intervalMs: monitorIntervalMs(),
        progressUrl,
        onProgress: (progress) => run.noteProgress(progress),
        evictionsSeen: billing.evictions,
        ...(archive && { onWorking: () => archive.tick(group, groupLog) }),
      }),
    );
  }

  /** Waits out the backoff, restarts the group, and runs the next attempt. */
  async function restart(backoffMs: number): Promise<AttemptOutcome> {
    run.beginRestart();
    log.info('Restarting the container group', { groupName: group.name, attempt: run.attempt });
    await sleep(backoffMs);
    // the restart starts the container afresh, with an empty log: the finished attempt's archive ends here
    await archive?.close(group, groupLog, 0);
    let ip: string | undefined;
    try {
      await restartContainerGroup(group);
      groupLog++;
      // a restart is a new deployment: the IP address may have changed
      if (spec.control) ip = (await getContainerGroupState(group)).ip;
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (isGroupGone(error) && patched(RECREATE_PATCH)) return recreate();
      return { kind: 'lost', reason: `could not restart the container group: ${describeFailure(error)}` };
    }
    return attempt(ip);
  }

  /** The group vanished (evicted): the same group again, billed from the first create on. */
  async function recreate(): Promise<AttemptOutcome> {
    log.info('The container group is gone; creating it again', {
      groupName: group.name,
      attempt: run.attempt,
    });
    // billed on from the first create: the vanished group's time is added up, the new one's starts now
    billing.stop();
    const created = await create();
    if ('status' in created)
      return { kind: 'lost', reason: created.message ?? 'could not create the group again' };
    groupLog++;
    return attempt(created.ip);
  }

  /**
   * ACI evicted the Spot group. Per the placement: wait (up to its limit) for the platform to bring it back and
   * go on with the same attempt, or delete it and create the run again on Regular capacity. Neither counts as a
   * restart of the job's failure policy. An eviction the platform already undid between two looks is waited
   * out: the container is running again.
   */
  async function evicted(eviction: {
    evictions: number;
    waiting: boolean;
  }): Promise<AttemptOutcome | Verdict> {
    billing.evictions = eviction.evictions;
    const policy = spec.placement?.onEviction ?? { action: 'regular', maxWait: '0s' };
    log.warn('The Spot container group was evicted', { groupName: group.name, policy: policy.action });
    let back = !eviction.waiting;
    if (!back && policy.action === 'wait') {
      run.phase = 'Evicted';
      back = await awaitRecovery(group, monitorIntervalMs(), durationMs(policy.maxWait));
      if (!back) log.warn('The evicted group did not come back in time', { groupName: group.name });
    }
    if (back) {
      // the platform restarted the container: its work starts over, with a fresh time limit
      run.phase = 'Running';
      deadlineMs = Date.now() + durationMs(spec.timeLimit);
      return awaitOutcome();
    }
    log.warn('Moving the run to Regular capacity', { groupName: group.name });
    run.phase = 'Moving';
    await CancellationScope.nonCancellable(() =>
      removeGroup(group, { keep: false, logTailLines: 0, admission, closeLog: closeLog() }),
    );
    billing.stop();
    groupCreated = false;
    groupLog++;
    admission!.leaveSpot();
    const created = await create();
    return 'status' in created ? created : attempt(created.ip);
  }

  /**
   * Removes (or keeps) the group without letting a cancellation interrupt, and reports the run; `rule` is the
   * failure rule that decided its end (the job reads FailJob and Ignore from it).
   */
  async function finish(verdict: Verdict, keepGroup: boolean, rule?: MatchedRule): Promise<RunResult> {
    run.phase = 'CleaningUp';
    const removal = await CancellationScope.nonCancellable(() =>
      removeGroup(group, {
        keep: keepGroup,
        logTailLines: spec.logTailLines,
        admission,
        closeLog: closeLog(),
      }),
    );
    const outputs = await CancellationScope.nonCancellable(() => listOutputs());
    const logArchive = archive?.result();
    run.phase = verdict.status;
    const finishedAtMs = Date.now();
    billing.stop();
    log.info('Run finished', { status: verdict.status, attempts: run.attempt, exitCode: verdict.exitCode });
    return {
      instanceIndex: input.instanceIndex,
      ...verdict,
      attempts: run.attempt,
      groupName: group.name,
      keptGroup: removal.kept,
      startedAt: new Date(startedAtMs).toISOString(),
      finishedAt: new Date(finishedAtMs).toISOString(),
      ...billing.result(spec, input.settings.prices ?? DEFAULT_ACI_PRICES),
      logTail: removal.logTail,
      ...(logArchive && { logArchive }),
      ...(outputs && { outputs }),
      ...(admission && {
        ...(ranIn && { pool: ranIn.pool.name, region: ranIn.pool.region }),
        queuedSeconds: Math.round(admission.waitedMs / 1000),
        ...(ranIn?.spot && { spot: true }),
      }),
      ...(warm !== undefined && { warm }),
      ...(rule && { rule, ...(rule.action === 'Ignore' && { ignored: true }) }),
    };
  }

  /** The outputs the run's container uploaded, once it can upload no more; none without a group or storage. */
  async function listOutputs(): Promise<OutputsResult | undefined> {
    if (!archive || archive.disabled || !groupCreated) return undefined;
    try {
      return (
        (await listRunOutputs({
          tenant: spec.tenant,
          jobId: spec.jobId,
          instanceIndex: input.instanceIndex,
          runKey: firstRunId,
        })) ?? undefined
      );
    } catch (error) {
      log.warn('Could not list the run outputs', { error: String(error) });
      return undefined;
    }
  }

  /** History is getting long: carry the run's state into a fresh history and wait on there. */
  async function continueWaiting(): Promise<never> {
    await condition(allHandlersFinished);
    return continueAsNew<typeof containerRun>({
      ...input,
      resumed: {
        ...run.snapshot(),
        startedAtMs,
        ...billing.snapshot(),
        deadlineMs,
        resourceGroup: group.resourceGroup,
        group,
        admission: admission?.snapshot(),
        ...(warm !== undefined && { warm }),
        ...(ranIn && { ranIn }),
        logArchive: archive?.snapshot(),
        ...(groupLog !== run.attempt && { groupLog }),
      },
    });
  }

  try {
    let outcome: AttemptOutcome | Verdict;
    if (resumed) {
      outcome = await awaitOutcome();
    } else {
      const created = await create();
      // a failed create may still have left a failed group behind: finish removes it. No rule restarts it
      // (the spec refuses RestartInstance on CreateFailed), but one may fail the job or ignore it.
      if ('status' in created) {
        const rule = matchRule(spec.failurePolicy?.rules, created);
        return await finish(created, false, rule);
      }
      outcome = await attempt(created.ip);
    }
    for (;;) {
      if ('status' in outcome)
        return await finish(outcome, false, matchRule(spec.failurePolicy?.rules, outcome));
      if (outcome.kind === 'historyFull') return await continueWaiting();
      if (outcome.kind === 'evicted') {
        outcome = await evicted(outcome);
        continue;
      }
      const verdict = verdictOf(outcome, spec.timeLimit);
      const step = nextStep(verdict, spec, run.attempt);
      if (step.action === 'finish') return await finish(verdict, step.keepGroup, step.rule);
      outcome = await restart(step.backoffMs);
    }
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    await removeAfterAbort(group, spec.logTailLines, admission, closeLog());
    run.phase = isCancellation(error) ? 'Cancelled' : 'Failed';
    throw error;
  }
}

/** An activity failed because the container group (or its resource group) does not exist. */
function isGroupGone(error: unknown): boolean {
  const cause = error instanceof ApplicationFailure ? error : (error as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure && cause.type === AciFailureType.notFound;
}

/**
 * Warm groups come from a profile that fixes image and size, and their per-run settings travel in a config
 * map that ARM reads show: only runs with no secret to hand their container (no secret env, no run token)
 * take one; the worker also checks that the job matches the profile.
 */
function canStartWarm(spec: InstanceSpec, input: ContainerRunInput): boolean {
  return Object.keys(spec.secretEnv).length === 0 && !input.settings.callbackBaseUrl;
}

/**
 * What the run is billed: from each create to the group's end, its Spot seconds apart. Carried across
 * continue-as-new.
 */
class Billing {
  private fromMs: number | undefined;
  private onSpot = false;
  private seconds = 0;
  private spotSeconds = 0;
  evictions = 0;

  constructor(resumed?: ContainerRunInput['resumed']) {
    this.fromMs = resumed?.billedFromMs;
    this.onSpot = resumed?.ranIn?.spot ?? false;
    this.seconds = resumed?.billedSecondsBefore ?? 0;
    this.spotSeconds = resumed?.spotSecondsBefore ?? 0;
    this.evictions = resumed?.evictions ?? 0;
  }

  /** A create begins: billing starts (a create that fails is cancelled). */
  start(spot: boolean): void {
    this.fromMs = Date.now();
    this.onSpot = spot;
  }

  cancel(): void {
    this.fromMs = undefined;
  }

  /** The group is gone (or stopped): its time is added up. */
  stop(): void {
    if (this.fromMs === undefined) return;
    const seconds = Math.round((Date.now() - this.fromMs) / 1000);
    this.seconds += seconds;
    if (this.onSpot) this.spotSeconds += seconds;
    this.fromMs = undefined;
  }

  result(resources: InstanceSpec, prices: NonNullable<ContainerRunInput['settings']['prices']>) {
    const billed = {
      billedSeconds: this.seconds,
      ...(this.spotSeconds > 0 && { spotSeconds: this.spotSeconds }),
    };
    return {
      ...billed,
      costUsd: runCostUsd(billed, resources, prices),
      ...(this.evictions > 0 && { evictions: this.evictions }),
    };
  }

  snapshot() {
    return {
      billedFromMs: this.fromMs!, // set: only a created group is waited on
      ...(this.seconds > 0 && { billedSecondsBefore: this.seconds }),
      ...(this.spotSeconds > 0 && { spotSecondsBefore: this.spotSeconds }),
      ...(this.evictions > 0 && { evictions: this.evictions }),
    };
  }
}

/** Cancelled (or broken by an unexpected failure): the group goes, whatever the policies say. */
async function removeAfterAbort(
  group: ContainerGroupRef,
  logTailLines: number,
  admission: Admission | undefined,
  closeLog: RemoveOptions['closeLog'],
): Promise<void> {
  // a run that never got a lease never made a group
  if (admission && !admission.holdsLease) return;
  try {
    await CancellationScope.nonCancellable(() =>
      removeGroup(group, { keep: false, logTailLines, admission, closeLog }),
    );
  } catch (cleanupError) {
    log.error('Could not remove the container group', { groupName: group.name, error: String(cleanupError) });
  }
}
