/**
 * The janitor's Temporal Schedule: a `janitor` sweep every ACI_BATCH_JANITOR_INTERVAL, never two at once
 * (overlap SKIP). The worker creates it at start, or brings it up to date when it exists, so changing the
 * interval or the retention only takes a worker restart.
 *
 *   ACI_BATCH_JANITOR_INTERVAL        e.g. "15m" (1 minute to 1 day); unset: the schedule is left alone
 *   ACI_BATCH_STOPPED_RETENTION       how long groups kept for inspection stay, e.g. "7d" (the default)
 *   ACI_BATCH_JANITOR_RESOURCE_GROUP  sweep only this resource group; default the whole subscription
 *
 * The janitor tells its groups from others' by the managed-by tag, and asks THIS namespace about their runs:
 * two deployments (namespaces) sharing a subscription must each sweep only their own resource group.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleHandle,
} from '@temporalio/client';
import type { Duration } from './shared/duration';
import { durationBetween, resourceGroupName } from './shared/validation';
import { z } from 'zod';
import { parseEnv } from './config';
import type { janitor, JanitorInput } from './workflows/janitor';
import { DEFAULT_STOPPED_RETENTION } from './workflows/janitor-policy';

export const JANITOR_SCHEDULE_ID = 'aci-batch-janitor';

export interface JanitorScheduleConfig {
  /** e.g. "15m" */
  interval: Duration;
  /** e.g. "7d" */
  stoppedRetention: Duration;
  resourceGroup?: string;
}

const janitorEnv = z.object({
  ACI_BATCH_JANITOR_INTERVAL: durationBetween('1m', '1d').optional(),
  ACI_BATCH_STOPPED_RETENTION: durationBetween('0s', '365d').default(DEFAULT_STOPPED_RETENTION),
  ACI_BATCH_JANITOR_RESOURCE_GROUP: resourceGroupName.optional(),
});

/** The schedule's settings, or undefined when ACI_BATCH_JANITOR_INTERVAL is unset. Throws ConfigError. */
export function loadJanitorScheduleConfig(
  env: NodeJS.ProcessEnv = process.env,
): JanitorScheduleConfig | undefined {
  const parsed = parseEnv(janitorEnv, env);
  if (!parsed.ACI_BATCH_JANITOR_INTERVAL) return undefined;
  return {
    interval: parsed.ACI_BATCH_JANITOR_INTERVAL,
    stoppedRetention: parsed.ACI_BATCH_STOPPED_RETENTION,
    resourceGroup: parsed.ACI_BATCH_JANITOR_RESOURCE_GROUP,
  };
}

/**
 * Creates the schedule, or updates it to this configuration when it exists (workers may race: both work).
 * One schedule per namespace: `scheduleId` differs only where several share one (tests).
 */
export async function ensureJanitorSchedule(
  client: Client,
  taskQueue: string,
  config: JanitorScheduleConfig,
  scheduleId: string = JANITOR_SCHEDULE_ID,
): Promise<ScheduleHandle> {
  const input: JanitorInput = {
    stoppedRetention: config.stoppedRetention,
    resourceGroup: config.resourceGroup,
  };
  const definition = {
    spec: { intervals: [{ every: config.interval }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'janitor',
      workflowId: scheduleId,
      taskQueue,
      args: [input] as [JanitorInput],
    },
    // a sweep still running when the next is due is enough; after an outage, one sweep catches up
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: config.interval },
  };
  try {
    return await client.schedule.create<typeof janitor>({ scheduleId, ...definition });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update<typeof janitor>((previous) => ({ ...previous, ...definition }));
    return handle;
  }
}
