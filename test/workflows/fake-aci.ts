/**
 * An in-memory ACI behind the `AciActivities` interface, for workflow tests with mocked activities. Each
 * "container" follows a script chosen per instance and attempt: report back (by signalling its run, as a real
 * container would), exit without reporting, or run until it is removed. Counts what the tests assert on:
 * groups alive now, the most alive at once, restarts, start calls.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AciActivities, CapacityActivities, StorageActivities } from '../../src/activities/types';
import type {
  ContainerGroupRef,
  ContainerEndpointInput,
  ContainerGroupState,
  CreateContainerGroupInput,
} from '../../src/shared/container-groups';
import { AciFailureType } from '../../src/shared/failures';
import type { CompletionReport } from '../../src/shared/messages';

export type ContainerScript =
  /** reports (then exits with the report's exit code) */
  | {
      kind: 'report';
      status: CompletionReport['status'];
      exitCode?: number;
      message?: string;
      result?: unknown;
    }
  /** exits without reporting */
  | { kind: 'exit'; exitCode: number }
  /** runs until stopped or deleted */
  | { kind: 'hang' }
  /** the platform takes the group away (an eviction): it disappears while the container works */
  | { kind: 'vanish' };

export interface ScriptContext {
  workflowId: string;
  instanceIndex: number;
  /** 1 for the first run of the container, 2 after the first restart (or a group made again), ... */
  attempt: number;
}

type Script = (context: ScriptContext) => ContainerScript;
type Reporter = (workflowId: string, report: CompletionReport) => Promise<void>;

interface FakeGroup {
  ref: ContainerGroupRef;
  workflowId: string;
  instanceIndex: number;
  attempt: number;
  state: 'Running' | 'Terminated' | 'Stopped';
  exitCode?: number;
  ip: string;
  /** the job has a control endpoint: the container waits for its start call */
  awaitsStart: boolean;
}

export interface FakeAciOptions {
  /** admission's activities (default: admission off) */
  capacity?: Partial<CapacityActivities>;
  script: Script;
  /** delivers a container's report to its run (a completion signal) */
  report: Reporter;
  /** create fails with this non-retryable failure type, or with what this returns for the nth create (from 1) */
  createFailure?:
    string | ((call: number, input: CreateContainerGroupInput) => ApplicationFailure | undefined);
  /**
   * containers do their script only once this settles (create returns at once): a test makes every group exist
   * before the first report, so a job's policies never cancel a run in the middle of its create (the
   * time-skipping server then refuses the activity's cancellation: "ACTIVITY_UNKNOWN")
   */
  holdScripts?: Promise<unknown>;
  /** what the progress endpoint answers */
  progressPercent?: number;
  logLines?: (group: ContainerGroupRef) => string;
  /**
   * a storage account: each archive read finds 10 new lines while the group exists, the last read returns a
   * tail naming the attempt, and the run has one output (default: none, as a worker without storage)
   */
  archive?: boolean;
  /**
   * without `archive`: the last archive read returns no log tail, as a worker before it did (or one whose read
   * failed): the run reads the tail itself
   */
  noTailWithoutArchive?: boolean;
}

/** One call of the log archive's activity. */
export interface ArchiveCall {
  group: string;
  attempt: number;
  final: boolean;
  /** lines archived after the call */
  lines: number;
  /** the group's attempt when the call was made (undefined: no group) */
  groupAttempt?: number;
}

export class FakeAci {
  readonly groups = new Map<string, FakeGroup>();
  maxAlive = 0;
  restarts = 0;
  readonly startCalls: ContainerEndpointInput[] = [];
  readonly createInputs: CreateContainerGroupInput[] = [];
  /** groups that vanished (evicted), by name */
  readonly vanished: string[] = [];
  /** the last attempt of each run (a run whose group vanished and was made again goes on counting) */
  private readonly attempts = new Map<string, number>();
  readonly archiveCalls: ArchiveCall[] = [];
  /** groups whose log tail was read by getContainerLogs */
  readonly logReads: string[] = [];
  /** everything the fake did, in order: create, restart, delete, stop, archive, archive-final */
  readonly events: string[] = [];

  constructor(private readonly options: FakeAciOptions) {}

  /** Groups still running (stopped groups, kept for inspection, bill nothing). */
  aliveGroups(): string[] {
    return [...this.groups.values()]
      .filter((group) => group.state !== 'Stopped')
      .map((group) => group.ref.name);
  }

  /**
   * The ACI activities, and admission's: off unless the test hands in its own (`capacity`), as a worker whose
   * deployment turned admission off.
   */
  activities(): AciActivities & CapacityActivities & StorageActivities {
    const noLedger = async () => {
      throw new Error('admission is off in this fake: there is no ledger');
    };
    return {
      resolveCapacity: async () => null,
      describeCapacity: noLedger,
      findAbandonedLeases: noLedger,
      ensureCapacityLedger: noLedger,
      ...this.options.capacity,
      archiveContainerLog: async (input) => {
        if (!this.options.archive) {
          if (!input.final || this.options.noTailWithoutArchive) return { configured: false };
          return { configured: false, tail: input.final.tailLines > 0 ? this.logOf(input.group) : '' };
        }
        const group = this.groups.get(input.group.name);
        const found = group ? 10 : 0;
        const cursor = {
          ...input.cursor,
          lines: input.cursor.lines + found,
          bytes: input.cursor.bytes + found * 40,
          ...(input.final && { sealed: true }),
        };
        this.events.push(input.final ? `archive-final#${input.attempt}` : `archive#${input.attempt}`);
        this.archiveCalls.push({
          group: input.group.name,
          attempt: input.attempt,
          final: input.final !== undefined,
          lines: cursor.lines,
          groupAttempt: group?.attempt,
        });
        return {
          configured: true,
          container: 'aci-batch-logs',
          blob: `${input.run.tenant}/${input.run.jobId}/${input.run.instanceIndex}/${input.run.runKey}/attempt-${input.attempt}.log`,
          cursor,
          appended: found,
          ...(!group && { groupGone: true }),
          ...(input.final && { tail: `tail of attempt ${input.attempt}\n` }),
        };
      },
      listRunOutputs: async () =>
        this.options.archive
          ? {
              container: 'aci-batch-outputs',
              files: [{ name: 'result.json', size: 12, contentMd5: 'bWQ1' }],
              count: 1,
              bytes: 12,
            }
          : null,
      deleteExpiredBlobs: async () => ({ configured: false, deleted: 0 }),
      createContainerGroup: async (input) => {
        this.createInputs.push(input);
        const { createFailure } = this.options;
        if (typeof createFailure === 'string') {
          throw ApplicationFailure.nonRetryable('the image cannot be pulled', createFailure);
        }
        const failure = createFailure?.(this.createInputs.length, input);
        if (failure) throw failure;
        const ref = { resourceGroup: input.resourceGroup || 'default-rg', name: input.name };
        let group = this.groups.get(ref.name);
        if (!group) {
          group = {
            ref,
            workflowId: input.run.workflowId,
            instanceIndex: input.run.instanceIndex,
            attempt: (this.attempts.get(input.run.workflowId) ?? 0) + 1,
            state: 'Running',
            ip: `10.0.${Math.floor(input.run.instanceIndex / 250)}.${(input.run.instanceIndex % 250) + 1}`,
            awaitsStart: input.spec.control !== undefined,
          };
          this.groups.set(ref.name, group);
          this.attempts.set(group.workflowId, group.attempt);
          this.events.push('create');
          this.maxAlive = Math.max(this.maxAlive, this.aliveGroups().length);
          if (!group.awaitsStart) await this.run(group);
        }
        return this.stateOf(group);
      },
      getContainerGroupState: async (ref) => {
        const group = this.groups.get(ref.name);
        return group ? this.stateOf(group) : { ...ref, exists: false, events: [] };
      },
      startContainerWork: async (input) => {
        this.startCalls.push({ ...input });
        const group = [...this.groups.values()].find((candidate) =>
          input.url.startsWith(`http://${candidate.ip}:`),
        );
        if (!group)
          throw ApplicationFailure.retryable('connection refused', AciFailureType.containerNotReady);
        await this.run(group);
      },
      getContainerProgress: async () => ({ percent: this.options.progressPercent, message: 'polled' }),
      stopContainerGroup: async (ref) => {
        this.existing(ref).state = 'Stopped';
        this.events.push('stop');
      },
      restartContainerGroup: async (ref) => {
        const group = this.existing(ref);
        this.events.push('restart');
        this.restarts++;
        group.attempt++;
        this.attempts.set(group.workflowId, group.attempt);
        group.state = 'Running';
        group.exitCode = undefined;
        if (!group.awaitsStart) await this.run(group);
      },
      deleteContainerGroup: async (ref) => {
        if (this.groups.delete(ref.name)) this.events.push('delete');
      },
      getContainerLogs: async (input) => {
        this.logReads.push(input.name);
        return this.logOf(input);
      },
    };
  }

  private logOf(group: ContainerGroupRef): string {
    return this.groups.has(group.name) ? (this.options.logLines?.(group) ?? `log of ${group.name}\n`) : '';
  }

  /** The container runs its script for this attempt. */
  private async run(group: FakeGroup): Promise<void> {
    const held = this.options.holdScripts;
    if (held) {
      void held.then(() => this.play(group)).catch(() => undefined);
      return;
    }
    await this.play(group);
  }

  private async play(group: FakeGroup): Promise<void> {
    const script = this.options.script({
      workflowId: group.workflowId,
      instanceIndex: group.instanceIndex,
      attempt: group.attempt,
    });
    if (script.kind === 'hang') return;
    if (script.kind === 'vanish') {
      this.groups.delete(group.ref.name);
      this.vanished.push(group.ref.name);
      return;
    }
    if (script.kind === 'report') {
      const { kind: _kind, ...report } = script;
      // a well-behaved container says which attempt it reports on (it asks its run with the progress query)
      await this.options.report(group.workflowId, {
        ...report,
        attempt: group.attempt,
        reportId: `${group.ref.name}#${group.attempt}`,
      });
    }
    group.state = 'Terminated';
    group.exitCode = script.exitCode ?? (script.kind === 'report' && script.status === 'Completed' ? 0 : 1);
  }

  private existing(ref: ContainerGroupRef): FakeGroup {
    const group = this.groups.get(ref.name);
    if (!group) throw ApplicationFailure.nonRetryable(`no group ${ref.name}`, AciFailureType.notFound);
    return group;
  }

  private stateOf(group: FakeGroup): ContainerGroupState {
    const terminated = group.state === 'Terminated';
    return {
      ...group.ref,
      exists: true,
      provisioningState: 'Succeeded',
      groupState:
        group.state === 'Stopped'
          ? 'Stopped'
          : terminated
            ? group.exitCode === 0
              ? 'Succeeded'
              : 'Failed'
            : 'Running',
      container: {
        state: terminated ? 'Terminated' : group.state === 'Stopped' ? 'Unknown' : 'Running',
        exitCode: group.exitCode,
        restartCount: 0,
      },
      ip: group.ip,
      events: [],
    };
  }
}
