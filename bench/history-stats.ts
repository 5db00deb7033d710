/**
 * What workflows cost in Temporal's terms, from their histories: events, workflow tasks, activities (by type),
 * timers and signals. Averaged over a sample of workflows (their latest run each).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { inPool } from './pool';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

export interface HistoryCounts {
  /** workflows read */
  workflows: number;
  /** per workflow, on average */
  events: number;
  workflowTasks: number;
  activities: number;
  activitiesByType: Record<string, number>;
  timers: number;
  signalsReceived: number;
  signalsSent: number;
}

export async function historyCounts(client: Client, workflowIds: string[]): Promise<HistoryCounts> {
  const totals = {
    events: 0,
    workflowTasks: 0,
    activities: 0,
    timers: 0,
    signalsReceived: 0,
    signalsSent: 0,
  };
  const byType: Record<string, number> = {};
  await inPool(workflowIds.length, 20, async (i) => {
    const events: HistoryEvent[] =
      (await client.workflow.getHandle(workflowIds[i]!).fetchHistory()).events ?? [];
    totals.events += events.length;
    for (const event of events) {
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
          totals.workflowTasks++;
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
          totals.activities++;
          const type = event.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown';
          byType[type] = (byType[type] ?? 0) + 1;
          break;
        }
        case EventType.EVENT_TYPE_TIMER_STARTED:
          totals.timers++;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
          totals.signalsReceived++;
          break;
        case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
          totals.signalsSent++;
          break;
      }
    }
  });
  const n = Math.max(1, workflowIds.length);
  return {
    workflows: workflowIds.length,
    events: totals.events / n,
    workflowTasks: totals.workflowTasks / n,
    activities: totals.activities / n,
    activitiesByType: Object.fromEntries(Object.entries(byType).map(([type, count]) => [type, count / n])),
    timers: totals.timers / n,
    signalsReceived: totals.signalsReceived / n,
    signalsSent: totals.signalsSent / n,
  };
}

/** When the first activity of this type completed in a workflow's (latest) history, epoch ms; NaN if never. */
export async function activityCompletedAt(client: Client, workflowId: string, type: string): Promise<number> {
  const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = events.find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type,
  );
  if (!scheduled) return Number.NaN;
  const completed = events.find(
    (event) =>
      String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled.eventId),
  );
  return completed ? tsToMs(completed.eventTime) : Number.NaN;
}

/** Milliseconds since the epoch of a protobuf Timestamp (seconds may be a Long). */
export function tsToMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return Number.NaN;
  return Number(ts.seconds ?? 0) * 1000 + (ts.nanos ?? 0) / 1e6;
}

/**
 * One admitted run's path, from its history (server times, epoch ms; NaN where the event is missing): started,
 * its first workflow task picked up, its lease granted, the create activity done, the container's completion
 * signal, its delete token, the delete activity scheduled and done, the lease released (signal sent).
 */
export interface AdmittedRunTimes {
  started: number;
  firstTask: number;
  granted: number;
  created: number;
  completion: number;
  /** the run signalled the ledger for a delete token (its log read first) */
  deleteRequested: number;
  deleteGranted: number;
  deleteScheduled: number;
  deleted: number;
  released: number;
}

export async function admittedRunTimes(client: Client, workflowId: string): Promise<AdmittedRunTimes> {
  const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (event: HistoryEvent | undefined) => (event ? tsToMs(event.eventTime) : Number.NaN);
  const signaled = (name: string) =>
    events.find((event) => event.workflowExecutionSignaledEventAttributes?.signalName === name);
  const scheduled = (type: string) =>
    events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type);
  const completedOf = (schedule: HistoryEvent | undefined) =>
    schedule &&
    events.find(
      (event) =>
        String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === String(schedule.eventId),
    );
  const sent = (name: string) =>
    events.filter(
      (event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === name,
    );
  const released = sent('capacity.released');
  const deleteSchedule = scheduled('deleteContainerGroup');
  return {
    started: at(events[0]),
    firstTask: at(events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)),
    granted: at(signaled('capacity.granted')),
    created: at(completedOf(scheduled('createContainerGroup'))),
    completion: at(signaled('completion')),
    deleteRequested: at(sent('capacity.delete').at(-1)),
    deleteGranted: at(signaled('capacity.deleteGranted')),
    deleteScheduled: at(deleteSchedule),
    deleted: at(completedOf(deleteSchedule)),
    released: at(released.at(-1)),
  };
}
