/**
 * What the admission ledger spent its time on, from its histories (the current run and the runs it continued
 * from): its refreshes (describeCapacity and findAbandonedLeases, how long each took, how many leases each
 * checked), how long a run's delete request waited for its token (signal in → token signal out), with and
 * without a refresh in flight, and its workflow tasks.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ledgerWorkflowId } from '../src/shared/capacity';
import { tsToMs } from './history-stats';
import { quantile } from './stats';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface Spread {
  n: number;
  median: number;
  p90: number;
  max: number;
}

export interface LedgerStats {
  /** the ledger's runs read (it continues as new) */
  runs: number;
  /** events in the histories read */
  events: number;
  refreshes: {
    count: number;
    /** findAbandonedLeases: scheduled → completed, ms */
    checkMs: Spread;
    /** the leases each check was given */
    leasesChecked: Spread;
    /** describeCapacity: scheduled → completed, ms */
    describeMs: Spread;
    /** of the time read, the share with a refresh activity in flight */
    inFlightShare: number;
  };
  /** a run's delete request (signal recorded) → its token signal initiated, ms */
  deleteTokenMs: { all: Spread; duringRefresh: Spread; otherwise: Spread };
  workflowTasks: { count: number; scheduleToStartMs: Spread; startToCompleteMs: Spread };
}

export function spread(samples: number[]): Spread {
  return {
    n: samples.length,
    median: quantile(samples, 0.5),
    p90: quantile(samples, 0.9),
    max: samples.length ? Math.max(...samples) : Number.NaN,
  };
}

function json(payload: { data?: Uint8Array | null } | null | undefined): unknown {
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The histories of the ledger of this task queue: the latest run and up to `maxRuns` before it. */
export async function ledgerStats(client: Client, taskQueue: string, maxRuns = 100): Promise<LedgerStats> {
  const id = ledgerWorkflowId(taskQueue);
  const histories: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (let i = 0; i < maxRuns; i++) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(id, runId).fetchHistory()).events ?? [];
    histories.push(events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) break;
  }
  const checks: number[] = [];
  const leases: number[] = [];
  const describes: number[] = [];
  const refreshWindows: Array<[number, number]> = [];
  const tokens: Array<{ ms: number; during: boolean }> = [];
  const wftWaits: number[] = [];
  const wftRuns: number[] = [];
  let span = 0;
  for (const events of histories) {
    const timeById = new Map(events.map((event) => [String(event.eventId), tsToMs(event.eventTime)]));
    const scheduledById = new Map<string, HistoryEvent>();
    const windows: Array<[number, number]> = [];
    for (const event of events) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) scheduledById.set(String(event.eventId), event);
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed) {
        const schedule = scheduledById.get(String(completed.scheduledEventId));
        const type = schedule?.activityTaskScheduledEventAttributes?.activityType?.name;
        const from = tsToMs(schedule?.eventTime);
        const to = tsToMs(event.eventTime);
        if (type === 'findAbandonedLeases') {
          checks.push(to - from);
          const input = json(schedule?.activityTaskScheduledEventAttributes?.input?.payloads?.[0]) as
            { leases?: unknown[] } | undefined;
          leases.push(input?.leases?.length ?? 0);
        }
        if (type === 'describeCapacity') describes.push(to - from);
        if (type === 'findAbandonedLeases' || type === 'describeCapacity') windows.push([from, to]);
      }
      const started = event.workflowTaskStartedEventAttributes;
      if (started)
        wftWaits.push(tsToMs(event.eventTime) - (timeById.get(String(started.scheduledEventId)) ?? NaN));
      const wftDone = event.workflowTaskCompletedEventAttributes;
      if (wftDone)
        wftRuns.push(tsToMs(event.eventTime) - (timeById.get(String(wftDone.startedEventId)) ?? NaN));
    }
    refreshWindows.push(...windows);
    const during = (time: number) => windows.some(([from, to]) => time >= from && time <= to);
    const requested = new Map<string, number>();
    for (const event of events) {
      const signaled = event.workflowExecutionSignaledEventAttributes;
      if (signaled?.signalName === 'capacity.delete') {
        const { runId: run } = (json(signaled.input?.payloads?.[0]) ?? {}) as { runId?: string };
        if (run) requested.set(run, tsToMs(event.eventTime));
      }
      const sent = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
      if (sent?.signalName === 'capacity.deleteGranted') {
        const run = sent.workflowExecution?.workflowId ?? '';
        const at = requested.get(run);
        if (at !== undefined) {
          tokens.push({ ms: tsToMs(event.eventTime) - at, during: during(at) });
          requested.delete(run);
        }
      }
    }
    if (events.length > 1) span += tsToMs(events.at(-1)!.eventTime) - tsToMs(events[0]!.eventTime);
  }
  const inFlight = refreshWindows.reduce((sum, [from, to]) => sum + (to - from), 0);
  return {
    runs: histories.length,
    events: histories.reduce((sum, events) => sum + events.length, 0),
    refreshes: {
      count: checks.length,
      checkMs: spread(checks),
      leasesChecked: spread(leases),
      describeMs: spread(describes),
      inFlightShare: span > 0 ? inFlight / span : Number.NaN,
    },
    deleteTokenMs: {
      all: spread(tokens.map((t) => t.ms)),
      duringRefresh: spread(tokens.filter((t) => t.during).map((t) => t.ms)),
      otherwise: spread(tokens.filter((t) => !t.during).map((t) => t.ms)),
    },
    workflowTasks: {
      count: wftRuns.length,
      scheduleToStartMs: spread(wftWaits.filter(Number.isFinite)),
      startToCompleteMs: spread(wftRuns.filter(Number.isFinite)),
    },
  };
}
