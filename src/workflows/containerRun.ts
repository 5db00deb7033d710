/**
 * containerRun: one instance of a job in one container group.
 *
 *   create the group → start the work (when the job has a control endpoint) → wait for the container's report
 *   within the time limit while the monitor watches the group → act on the outcome per the job's policies:
 *   delete (or stop) on success, restart up to maxRestarts, delete or stop on failure, delete on time-out.
 *
 * Every path that created a group removes it, or stops it when a policy keeps it; cancellation included.
 * A long wait continues as new with the run's state, so a run may last as long as a spec allows (30 days).
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
import type { ContainerGroupRef } from '../shared/container-groups';
import { durationMs } from '../shared/duration';
import { AciFailureType } from '../shared/failures';
import type { RunResult } from '../shared/messages';
import { containerGroupName } from '../shared/names';
import { containerCostUsd, DEFAULT_ACI_PRICES } from '../shared/pricing';
import {
  createAdmittedContainerGroup,
  createContainerGroup,
  getContainerGroupState,
  restartContainerGroup,
  startContainerWork,
} from './activities';
import { Admission } from './admission';
import { awaitAttemptOutcome, type AttemptOutcome } from './attempt-wait';
import { removeGroup } from './cleanup';
import { describeFailure } from './failures';
import type { ContainerRunInput } from './inputs';
import { watchGroup } from './monitor';
import { matchRule, nextStep, verdictOf, type MatchedRule, type Verdict } from './outcome';
import { RunState } from './run-state';

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
  const placement = input.capacity;
  // under admission the pool's ledger decides when the group may be created (and deleted)
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
        pool: placement.pool,
        groupName: run.groupName,
        resourceGroup: spec.resourceGroup ?? placement.resourceGroup,
      },
      resumed?.admission,
    );
  admission?.listen();

  const startedAtMs = resumed?.startedAtMs ?? Date.now();
  let billedFromMs = resumed?.billedFromMs;
  // '' lets the worker use its default resource group; create answers with the one it used
  let group: ContainerGroupRef = {
    resourceGroup: resumed?.resourceGroup ?? spec.resourceGroup ?? placement?.resourceGroup ?? '',
    name: run.groupName,
  };
  let deadlineMs = resumed?.deadlineMs ?? 0;

  /**
   * Creates the group (under admission, once the ledger grants a lease); a failure ends the run (restarting
   * cannot fix an image or a spec ARM refuses), except ACI's 429 and quota answers under admission: the run
   * gives the lease back and waits for capacity again.
   */
  async function create(): Promise<{ ip?: string } | Verdict> {
    for (;;) {
      if (admission) {
        await admission.acquire(run);
        run.phase = 'Creating';
      }
      billedFromMs = Date.now();
      try {
        const created = await (admission ? createAdmittedContainerGroup : createContainerGroup)({
          ...group,
          spec,
          run: { workflowId: runId, firstRunId, jobId: spec.jobId, instanceIndex: input.instanceIndex },
          reporting: reportChannelOf(input.settings, billedFromMs + runTokenLifetimeMs(spec)),
        });
        group = { resourceGroup: created.resourceGroup, name: created.name };
        return { ip: created.ip };
      } catch (error) {
        if (isCancellation(error)) throw error;
        billedFromMs = undefined;
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

  function awaitOutcome(): Promise<AttemptOutcome> {
    const control = spec.control;
    const progressPath = control?.progressPath;
    const progressUrl =
      control && progressPath ? (ip: string) => controlUrl(ip, control, progressPath) : undefined;
    return awaitAttemptOutcome(run, deadlineMs, () =>
      watchGroup({
        group,
        intervalMs: admission
          ? admission.monitorIntervalMs(durationMs(spec.monitorInterval))
          : durationMs(spec.monitorInterval),
        progressUrl,
        onProgress: (progress) => run.noteProgress(progress),
      }),
    );
  }

  /** Waits out the backoff, restarts the group, and runs the next attempt. */
  async function restart(backoffMs: number): Promise<AttemptOutcome> {
    run.beginRestart();
    log.info('Restarting the container group', { groupName: group.name, attempt: run.attempt });
    await sleep(backoffMs);
    let ip: string | undefined;
    try {
      await restartContainerGroup(group);
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
    const firstBilledMs = billedFromMs;
    const created = await create();
    billedFromMs = firstBilledMs ?? billedFromMs;
    if ('status' in created)
      return { kind: 'lost', reason: created.message ?? 'could not create the group again' };
    return attempt(created.ip);
  }

  /**
   * Removes (or keeps) the group without letting a cancellation interrupt, and reports the run; `rule` is the
   * failure rule that decided its end (the job reads FailJob and Ignore from it).
   */
  async function finish(verdict: Verdict, keepGroup: boolean, rule?: MatchedRule): Promise<RunResult> {
    run.phase = 'CleaningUp';
    const removal = await CancellationScope.nonCancellable(() =>
      removeGroup(group, { keep: keepGroup, logTailLines: spec.logTailLines, admission }),
    );
    run.phase = verdict.status;
    const finishedAtMs = Date.now();
    const billedSeconds = billedFromMs ? Math.round((finishedAtMs - billedFromMs) / 1000) : 0;
    log.info('Run finished', { status: verdict.status, attempts: run.attempt, exitCode: verdict.exitCode });
    return {
      instanceIndex: input.instanceIndex,
      ...verdict,
      attempts: run.attempt,
      groupName: group.name,
      keptGroup: removal.kept,
      startedAt: new Date(startedAtMs).toISOString(),
      finishedAt: new Date(finishedAtMs).toISOString(),
      billedSeconds,
      costUsd: containerCostUsd(billedSeconds, spec, input.settings.prices ?? DEFAULT_ACI_PRICES),
      logTail: removal.logTail,
      ...(admission && {
        pool: admission.placement.pool,
        queuedSeconds: Math.round(admission.waitedMs / 1000),
      }),
      ...(rule && { rule, ...(rule.action === 'Ignore' && { ignored: true }) }),
    };
  }

  /** History is getting long: carry the run's state into a fresh history and wait on there. */
  async function continueWaiting(): Promise<never> {
    await condition(allHandlersFinished);
    return continueAsNew<typeof containerRun>({
      ...input,
      resumed: {
        ...run.snapshot(),
        startedAtMs,
        billedFromMs: billedFromMs!, // set: only a created group is waited on
        deadlineMs,
        resourceGroup: group.resourceGroup,
        admission: admission?.snapshot(),
      },
    });
  }

  try {
    let outcome: AttemptOutcome;
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
      if (outcome.kind === 'historyFull') return await continueWaiting();
      const verdict = verdictOf(outcome, spec.timeLimit);
      const step = nextStep(verdict, spec, run.attempt);
      if (step.action === 'finish') return await finish(verdict, step.keepGroup, step.rule);
      outcome = await restart(step.backoffMs);
    }
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    await removeAfterAbort(group, spec.logTailLines, admission);
    run.phase = isCancellation(error) ? 'Cancelled' : 'Failed';
    throw error;
  }
}

/** An activity failed because the container group (or its resource group) does not exist. */
function isGroupGone(error: unknown): boolean {
  const cause = error instanceof ApplicationFailure ? error : (error as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure && cause.type === AciFailureType.notFound;
}

/** Cancelled (or broken by an unexpected failure): the group goes, whatever the policies say. */
async function removeAfterAbort(
  group: ContainerGroupRef,
  logTailLines: number,
  admission: Admission | undefined,
): Promise<void> {
  // a run that never got a lease never made a group
  if (admission && !admission.holdsLease) return;
  try {
    await CancellationScope.nonCancellable(() =>
      removeGroup(group, { keep: false, logTailLines, admission }),
    );
  } catch (cleanupError) {
    log.error('Could not remove the container group', { groupName: group.name, error: String(cleanupError) });
  }
}
