/**
 * Where the orchestration time of a run goes, read from the workflows' histories (event times are the
 * server's clock, the same machine's as ours): from the client's start call to the create request, and from
 * the completion signal to the delete request, cut at the events in between.
 */
import type { Client } from '@temporalio/client';

import { temporal } from '@temporalio/proto';
import { jobWorkflowId, runWorkflowId } from '../src/shared/names';
import { BENCH_TENANT } from './jobs';
import { median } from './stats';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** A segment's name and its median over the runs, ms. */
export type Breakdown = Array<{ segment: string; medianMs: number }>;

export interface RunTimes {
  jobId: string;
  /** client side: the start call, the completion signal; emulator: the create and delete requests */
  startedAt: number;
  signalSentAt: number;
  createRequestAt: number;
  deleteRequestAt: number;
}

export async function startToCreateBreakdown(client: Client, runs: RunTimes[]): Promise<Breakdown> {
  const cuts = await Promise.all(
    runs.map(async (run) => {
      const job = await events(client, jobWorkflowId(BENCH_TENANT, run.jobId));
      const child = await events(client, runWorkflowId(BENCH_TENANT, run.jobId, 0));
      const created = activity(child, 'createContainerGroup');
      return [
        run.startedAt,
        timeOf(job, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
        timeOf(job, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
        timeOf(job, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
        timeOf(child, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
        timeOf(child, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
        created.scheduled,
        created.started,
        run.createRequestAt,
      ];
    }),
  );
  return segments(cuts, [
    'client start call → job started (server)',
    'job: first workflow task reaches the worker',
    'job: first activation on the worker → child initiated',
    'child initiated → run started (server)',
    'run: first workflow task reaches the worker',
    'run: first activation on the worker → create scheduled',
    'create activity: scheduled → started on the worker',
    'create activity started → PUT at ARM',
  ]);
}

export async function completionToDeleteBreakdown(client: Client, runs: RunTimes[]): Promise<Breakdown> {
  const cuts = await Promise.all(
    runs.map(async (run) => {
      const child = await events(client, runWorkflowId(BENCH_TENANT, run.jobId, 0));
      // the completion signal (under admission the run also hears from the ledger: capacity.* signals)
      const signaled = child.find(
        (event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'completion',
      );
      const deleted = activity(child, 'deleteContainerGroup');
      return [
        run.signalSentAt,
        signaled ? tsToMs(signaled.eventTime) : Number.NaN,
        timeOf(child, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, signaled?.eventId),
        deleted.scheduled,
        deleted.started,
        run.deleteRequestAt,
      ];
    }),
  );
  return segments(cuts, [
    'signal sent → signal recorded (server)',
    'run: workflow task reaches the worker',
    'run: activation(s) on the worker → delete scheduled',
    'delete activity: scheduled → started on the worker',
    'delete activity started → DELETE at ARM',
  ]);
}

/**
 * How long workflow tasks waited for a worker (scheduled → started) and took there (started → completed,
 * the completion's round trip included), medians over every workflow task of the given workflows.
 */
export async function workflowTaskLatencies(
  client: Client,
  workflowIds: string[],
): Promise<{ scheduleToStartMs: number; startToCompleteMs: number }> {
  const waits: number[] = [];
  const runs: number[] = [];
  for (const history of await Promise.all(workflowIds.map((id) => events(client, id)))) {
    const timeById = new Map(history.map((event) => [String(event.eventId), tsToMs(event.eventTime)]));
    for (const event of history) {
      const started = event.workflowTaskStartedEventAttributes;
      const completed = event.workflowTaskCompletedEventAttributes;
      const at = tsToMs(event.eventTime);
      if (started) waits.push(at - (timeById.get(String(started.scheduledEventId)) ?? Number.NaN));
      if (completed) runs.push(at - (timeById.get(String(completed.startedEventId)) ?? Number.NaN));
    }
  }
  return { scheduleToStartMs: median(waits), startToCompleteMs: median(runs) };
}

async function events(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** The first event of a type (after the event `afterId`, when given). */
function timeOf(history: HistoryEvent[], type: temporal.api.enums.v1.EventType, afterId?: unknown): number {
  const after = afterId == null ? -1 : Number(afterId);
  const event = history.find(
    (candidate) => candidate.eventType === type && Number(candidate.eventId) > after,
  );
  return event ? tsToMs(event.eventTime) : Number.NaN;
}

/** When the (first) activity of this type was scheduled, and when its attempt started. */
function activity(history: HistoryEvent[], type: string): { scheduled: number; started: number } {
  const scheduled = history.find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type,
  );
  const started = history.find(
    (event) =>
      scheduled?.eventId != null &&
      String(event.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId),
  );
  return {
    scheduled: scheduled ? tsToMs(scheduled.eventTime) : Number.NaN,
    started: started ? tsToMs(started.eventTime) : Number.NaN,
  };
}

/** Consecutive cuts make the segments; each segment's median over the runs. */
function segments(cuts: number[][], names: string[]): Breakdown {
  return names.map((segment, i) => ({
    segment,
    medianMs: median(cuts.map((cut) => (cut[i + 1] ?? Number.NaN) - (cut[i] ?? Number.NaN))),
  }));
}

/** Milliseconds since the epoch of a protobuf Timestamp (seconds may be a Long). */
function tsToMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return Number.NaN;
  return Number(ts.seconds ?? 0) * 1000 + (ts.nanos ?? 0) / 1e6;
}
