/**
 * The ACI activities as the workflows call them, each with timeouts and retries that fit what it does.
 * Failures the activities classify as permanent (AciFailureType) are never retried.
 */
import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type {
  AciActivities,
  CapacityActivities,
  JobActivities,
  StorageActivities,
} from '../activities/types';
import { AciFailureType, RETRYABLE_FAILURE_TYPES } from '../shared/failures';

const NON_RETRYABLE_TYPES = Object.values(AciFailureType).filter(
  (type) => !RETRYABLE_FAILURE_TYPES.includes(type),
);

function options(activity: ActivityOptions): ActivityOptions {
  return { ...activity, retry: { ...activity.retry, nonRetryableErrorTypes: NON_RETRYABLE_TYPES } };
}

/**
 * Provisioning (image pull included) can take many minutes; the activity heartbeats while it polls ARM, so a
 * lost worker is noticed in minutes. Quota and throttling failures are retried for hours: a job above quota
 * waits for capacity instead of failing. The workflow waits for a cancelled create to finish, so a group is
 * never deleted while its PUT is still on its way.
 */
export const { createContainerGroup } = proxyActivities<AciActivities>(
  options({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '2 minutes',
    scheduleToCloseTimeout: '12 hours',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '15 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  }),
);

/**
 * Create under admission: the ledger paces creates and owns the retry after a 429, a quota error or a region
 * without capacity (it pauses the account, corrects its books or cools the pool down, and grants again, maybe
 * elsewhere), so the activity does not retry those itself.
 */
export const { createContainerGroup: createAdmittedContainerGroup } = proxyActivities<AciActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  scheduleToCloseTimeout: '12 hours',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '15 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [
      ...NON_RETRYABLE_TYPES,
      AciFailureType.throttled,
      AciFailureType.quotaExceeded,
      AciFailureType.noCapacity,
    ],
  },
});

/** The admission activities: short reads and one start of a ledger; retried until they work. */
export const { resolveCapacity, ensureCapacityLedger, describeCapacity, findAbandonedLeases } =
  proxyActivities<CapacityActivities>(
    options({
      startToCloseTimeout: '1 minute',
      retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
    }),
  );

/** Restart and delete are ARM long-running operations (deletes take 30-90 s); both heartbeat while polled. */
export const { restartContainerGroup, deleteContainerGroup } = proxyActivities<AciActivities>(
  options({
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '2 minutes',
    // no attempt limit for delete: a group left behind keeps billing; a stuck delete shows in the UI
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
  }),
);

/** Stop is synchronous in ARM; a 409 "still transitioning" is retried. */
export const { stopContainerGroup } = proxyActivities<AciActivities>(
  options({
    startToCloseTimeout: '5 minutes',
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 10,
    },
  }),
);

/** A monitor tick: a failed read is skipped and the next tick tries again. */
export const { getContainerGroupState } = proxyActivities<AciActivities>(
  options({
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '20 seconds',
      maximumAttempts: 3,
    },
  }),
);

/** Retried until the container listens; a container that never does fails the attempt after 10 minutes. */
export const { startContainerWork } = proxyActivities<AciActivities>(
  options({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '10 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '15 seconds' },
  }),
);

/** Best effort, once per monitor tick. */
export const { getContainerProgress } = proxyActivities<AciActivities>(
  options({ startToCloseTimeout: '15 seconds', retry: { maximumAttempts: 1 } }),
);

/** Best effort: a run's result does not depend on its logs. */
export const { getContainerLogs } = proxyActivities<AciActivities>(
  options({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
  }),
);

/**
 * The log archive's read on a monitor tick: one try (the next tick tries again), short, so that a report
 * arriving meanwhile is acted on soon (the tick is not cancelled: its append must land or fail, not linger).
 */
export const { archiveContainerLog } = proxyActivities<StorageActivities>(
  options({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 1 } }),
);

/**
 * The attempt's last read and the seal, before its group is restarted, stopped or deleted: retried briefly,
 * bounded to 2 minutes in all, so that archiving never holds the group's removal up for long.
 */
export const { archiveContainerLog: closeContainerLog } = proxyActivities<StorageActivities>(
  options({
    startToCloseTimeout: '45 seconds',
    scheduleToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '15 seconds' },
  }),
);

/** The run's outputs for its result: a listing, retried a few times; a run's result does not wait long for it. */
export const { listRunOutputs } = proxyActivities<StorageActivities>(
  options({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
  }),
);

/**
 * A job's wait for the jobs it depends on: as long as they take (retried after a week, or a lost worker), alive
 * by heartbeat; cancelled with the job.
 */
export const { awaitJobs } = proxyActivities<JobActivities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
