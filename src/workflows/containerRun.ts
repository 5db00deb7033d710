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
import type { RunResult } from '../shared/messages';
import type { OutputsResult } from '../shared/storage';
import { containerGroupName } from '../shared/names';
import { containerCostUsd, DEFAULT_ACI_PRICES } from '../shared/pricing';
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
import { watchGroup } from './monitor';
import { nextStep, verdictOf, type Verdict } from './outcome';
import { RunState } from './run-state';

/**
 * Runs that archive their container's log and list their outputs (issue 15): new activities on the monitor's
 * ticks and before every restart and removal, which runs started before would not replay.
 */
export const STORAGE_PATCH = 'log-archive-and-outputs';

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
  /** a group exists (or existed): its container's log is archived before it goes */
  let groupCreated = resumed !== undefined;
  /** the attempt whose container the group holds (a restart's backoff runs ahead of the group) */
  let groupAttempt = run.attempt;
  /** the archive's last read and seal of the group's attempt, for removeGroup */
  const closeLog = (): RemoveOptions['closeLog'] =>
    archive && groupCreated ? (tailLines) => archive.close(group, groupAttempt, tailLines) : undefined;

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
        groupCreated = true;
        return { ip: created.ip };
      } catch (error) {
        if (isCancellation(error)) throw error;
        billedFromMs = undefined;
        if (admission && (await admission.refused(error))) continue;
        return {
          status: 'Failed',
          message: `could not create the container group: ${describeFailure(error)}`,
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
    // the archive's read is a second ARM read per tick: within the pool's read budget, ticks come less often
    const archiving = archive !== undefined && !archive.disabled;
    return awaitAttemptOutcome(run, deadlineMs, () =>
      watchGroup({
        group,
        intervalMs: admission
          ? admission.monitorIntervalMs(durationMs(spec.monitorInterval), archiving ? 2 : 1)
          : durationMs(spec.monitorInterval),
        progressUrl,
        onProgress: (progress) => run.noteProgress(progress),
        ...(archive && { onWorking: () => archive.tick(group, run.attempt) }),
      }),
    );
  }

  /** Waits out the backoff, restarts the group, and runs the next attempt. */
  async function restart(backoffMs: number): Promise<AttemptOutcome> {
    run.beginRestart();
    log.info('Restarting the container group', { groupName: group.name, attempt: run.attempt });
    await sleep(backoffMs);
    // the restart starts the container afresh, with an empty log: the finished attempt's archive ends here
    await archive?.close(group, groupAttempt, 0);
    let ip: string | undefined;
    try {
      await restartContainerGroup(group);
      groupAttempt = run.attempt;
      // a restart is a new deployment: the IP address may have changed
      if (spec.control) ip = (await getContainerGroupState(group)).ip;
    } catch (error) {
      if (isCancellation(error)) throw error;
      return { kind: 'lost', reason: `could not restart the container group: ${describeFailure(error)}` };
    }
    return attempt(ip);
  }

  /** Removes (or keeps) the group without letting a cancellation interrupt, and reports the run. */
  async function finish(verdict: Verdict, keepGroup: boolean): Promise<RunResult> {
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
      ...(logArchive && { logArchive }),
      ...(outputs && { outputs }),
      ...(admission && {
        pool: admission.placement.pool,
        queuedSeconds: Math.round(admission.waitedMs / 1000),
      }),
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
        billedFromMs: billedFromMs!, // set: only a created group is waited on
        deadlineMs,
        resourceGroup: group.resourceGroup,
        admission: admission?.snapshot(),
        logArchive: archive?.snapshot(),
      },
    });
  }

  try {
    let outcome: AttemptOutcome;
    if (resumed) {
      outcome = await awaitOutcome();
    } else {
      const created = await create();
      // a failed create may still have left a failed group behind: finish removes it
      if ('status' in created) return await finish(created, false);
      outcome = await attempt(created.ip);
    }
    for (;;) {
      if (outcome.kind === 'historyFull') return await continueWaiting();
      const verdict = verdictOf(outcome, spec.timeLimit);
      const step = nextStep(verdict, spec, run.attempt);
      if (step.action === 'finish') return await finish(verdict, step.keepGroup);
      outcome = await restart(step.backoffMs);
    }
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    await removeAfterAbort(group, spec.logTailLines, admission, closeLog());
    run.phase = isCancellation(error) ? 'Cancelled' : 'Failed';
    throw error;
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
