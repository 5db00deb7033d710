/**
 * A run's side of admission: it asks the deployment's ledger for a lease in one of its placement's pools and
 * waits, in phase Queued and calling nothing, until the ledger grants one; it hands the lease back when ACI
 * refuses the create (429, quota, no capacity in the region: not a failure, not a restart: it waits again in its
 * old place, and a pool without capacity is passed over for a while), asks for a delete token before it
 * deletes its group unless its lease carries one, and says when the group is gone. A ledger that is not
 * running is started again.
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  CancellationScope,
  type SignalDefinition,
} from '@temporalio/workflow';
import {
  deleteGrantedSignal,
  deleteRequestSignal,
  leaseGrantedSignal,
  leaseReleasedSignal,
  leaseRefusedSignal,
  leaseRequestSignal,
  leaseWithdrawSignal,
  type CapacityPlacement,
  type LeaseGrant,
  type LeaseRequest,
  type PoolPlacement,
  type Refusal,
} from '../shared/capacity';
import { quotaReadingOf } from '../capacity/quota-message';
import { AciFailureType, type AciFailureDetails } from '../shared/failures';
import { ensureCapacityLedger } from './activities';
import type { RunState } from './run-state';

/** How long a 429 without Retry-After pauses the account. */
const DEFAULT_THROTTLE_PAUSE_MS = 10_000;
/** A ledger that does not answer a delete request in this long is not waited for: a group must not stay. */
const DELETE_TOKEN_PATIENCE_MS = 10 * 60_000;

/** What continue-as-new carries. */
export interface AdmissionSnapshot {
  lease?: LeaseGrant;
  /** when the run first asked: its place in the queue */
  enqueuedAt?: number;
  /** evicted from Spot: Regular options only from then on */
  regularOnly?: boolean;
  /** when the lease's create was answered */
  createdAt?: number;
}

export type RunAsk = Omit<LeaseRequest, 'enqueuedAt'>;

export class Admission {
  private lease: LeaseGrant | undefined;
  /** how long the run waited for its (last) lease */
  private waited = 0;
  private deleteGranted = false;
  private enqueuedAt: number | undefined;
  private regularOnly: boolean;
  private createdAt: number | undefined;

  constructor(
    readonly placement: CapacityPlacement,
    private readonly ask: RunAsk,
    snapshot?: AdmissionSnapshot,
  ) {
    this.lease = snapshot?.lease;
    this.enqueuedAt = snapshot?.enqueuedAt;
    this.regularOnly = snapshot?.regularOnly ?? false;
    this.createdAt = snapshot?.createdAt;
  }

  listen(): void {
    setHandler(leaseGrantedSignal, (grant) => {
      this.lease = grant;
      this.waited = grant.waitedMs;
    });
    setHandler(deleteGrantedSignal, () => void (this.deleteGranted = true));
  }

  /** A lease has been granted: a group may exist. */
  get holdsLease(): boolean {
    return this.lease !== undefined;
  }

  get waitedMs(): number {
    return this.waited;
  }

  /** The pool of the lease held (undefined without one). */
  get pool(): PoolPlacement | undefined {
    const name = this.lease?.pool;
    return name === undefined ? undefined : this.placement.pools.find((pool) => pool.name === name);
  }

  /** The lease held is a Spot one. */
  get spot(): boolean {
    return this.lease?.spot ?? false;
  }

  /** Evicted from Spot: from now on the run asks for Regular capacity only. */
  leaveSpot(): void {
    this.regularOnly = true;
  }

  /** Asks for a lease and waits for it (phase Queued); a cancelled wait withdraws the request. */
  async acquire(run: RunState): Promise<void> {
    if (this.lease) return;
    this.enqueuedAt ??= Date.now();
    run.phase = 'Queued';
    const options = this.regularOnly ? this.ask.options.filter((option) => !option.spot) : this.ask.options;
    await this.tell(leaseRequestSignal, { ...this.ask, options, enqueuedAt: this.enqueuedAt });
    try {
      await condition(() => this.lease !== undefined);
    } catch (error) {
      if (isCancellation(error)) {
        await CancellationScope.nonCancellable(() =>
          this.tell(leaseWithdrawSignal, { runId: this.ask.runId }),
        );
      }
      throw error;
    }
  }

  /** The create was answered (now, in workflow time): the ledger counts it from then once the group is gone. */
  created(): void {
    this.createdAt = Date.now();
  }

  /** ACI refused the create: the lease goes back, and the run will ask again (keeping its place). */
  async refused(error: unknown): Promise<boolean> {
    const refusal = refusalOf(error);
    if (!refusal) return false;
    log.info('ACI refused the create; waiting for capacity again', { kind: refusal.kind });
    this.lease = undefined;
    await this.tell(leaseRefusedSignal, { runId: this.ask.runId, refusal });
    return true;
  }

  /** Waits for a delete token (bounded: a group never stays for want of one). Call in a non-cancellable scope. */
  async beforeDelete(): Promise<void> {
    if (!this.lease || this.lease.deleteCredit) return;
    this.deleteGranted = false;
    await this.tell(deleteRequestSignal, { runId: this.ask.runId });
    if (!(await condition(() => this.deleteGranted, DELETE_TOKEN_PATIENCE_MS))) {
      log.warn('No delete token from the ledger in time; deleting anyway');
    }
  }

  /** The group is gone: its cores and slot go back. Call in a non-cancellable scope. */
  async released(): Promise<void> {
    if (!this.lease) return;
    this.lease = undefined;
    const createdAt = this.createdAt;
    this.createdAt = undefined;
    await this.tell(leaseReleasedSignal, {
      runId: this.ask.runId,
      ...(createdAt !== undefined && { createdAt }),
    });
  }

  /**
   * Polls no faster than the pool's read budget allows for all its runs together: the pool's floor is for one
   * ARM read per tick, so a run that reads more per tick (the log archive's read) ticks that much less often.
   */
  monitorIntervalMs(specIntervalMs: number, readsPerTick = 1): number {
    return Math.max(specIntervalMs, (this.pool?.monitorIntervalMs ?? 0) * readsPerTick);
  }

  snapshot(): AdmissionSnapshot {
    return {
      lease: this.lease,
      enqueuedAt: this.enqueuedAt,
      ...(this.regularOnly && { regularOnly: true }),
      ...(this.createdAt !== undefined && { createdAt: this.createdAt }),
    };
  }

  /** Signals the ledger; one that is not running is started again, then told. */
  private async tell<A>(signal: SignalDefinition<[A]>, arg: A): Promise<void> {
    const ledger = getExternalWorkflowHandle(this.placement.ledgerId);
    try {
      await ledger.signal(signal, arg);
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('The capacity ledger is not running; starting it again', { error: String(error) });
      await ensureCapacityLedger({});
      await getExternalWorkflowHandle(this.placement.ledgerId).signal(signal, arg);
    }
  }
}

/** A create failure the ledger handles (429, quota, no capacity), as the ledger's refusal; undefined for any other. */
function refusalOf(error: unknown): Refusal | undefined {
  const failure = error instanceof ApplicationFailure ? error : (error as { cause?: unknown }).cause;
  if (!(failure instanceof ApplicationFailure)) return undefined;
  if (failure.type === AciFailureType.throttled) {
    // the SDK hands workflows the failure's details, not its nextRetryDelay
    const retryAfterMs = (failure.details?.[0] as AciFailureDetails | undefined)?.retryAfterMs;
    return { kind: 'throttled', retryAfterMs: retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS };
  }
  if (failure.type === AciFailureType.noCapacity) return { kind: 'capacity' };
  if (failure.type === AciFailureType.quotaExceeded) {
    const quota = quotaReadingOf(failure.message);
    return { kind: 'quota', ...(quota && { quota }) };
  }
  return undefined;
}
