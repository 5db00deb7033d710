/**
 * Workflow interceptors that report job and run outcomes, billed container-seconds, cost and the time from a
 * container's completion report to its group's deletion, through the `aciBatchMetrics` sink. Runs inside the
 * workflow sandbox (bundled with the workflows: `WORKFLOW_INTERCEPTOR_MODULES`): it only observes, never
 * issues commands, so histories stay the same; sinks are not called while history is replayed, so nothing is
 * counted twice.
 */
import {
  ContinueAsNew,
  isCancellation,
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type Next,
  type SignalInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { AciActivities } from '../activities/types';
import { completionSignal, type JobSummary, type RunResult } from '../shared/messages';
import type { BatchJobInput, ContainerRunInput } from './inputs';
import type { WorkflowMetricsSinks } from '../shared/workflow-metrics';

const { aciBatchMetrics } = proxySinks<WorkflowMetricsSinks>();
const DELETE_ACTIVITY: keyof AciActivities = 'deleteContainerGroup';

/** Tenants are validated DNS labels; anything else (a malformed input) gets one label, not a new series. */
function tenantOf(input: WorkflowExecuteInput): string {
  const tenant = (input.args[0] as { spec?: { tenant?: unknown } } | undefined)?.spec?.tenant;
  return typeof tenant === 'string' && /^[a-z0-9-]{1,24}$/.test(tenant) ? tenant : 'invalid';
}

class JobMetrics implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
    const tenant = tenantOf(input);
    // a job that continued as new was counted when it first started
    if (!(input.args[0] as BatchJobInput | undefined)?.carried) aciBatchMetrics.jobStarted({ tenant });
    try {
      const summary = (await next(input)) as JobSummary;
      aciBatchMetrics.jobFinished({ tenant, outcome: summary.outcome });
      return summary;
    } catch (error) {
      if (!(error instanceof ContinueAsNew)) {
        aciBatchMetrics.jobFinished({ tenant, outcome: isCancellation(error) ? 'Cancelled' : 'Failed' });
      }
      throw error;
    }
  }
}

class RunMetrics implements WorkflowInboundCallsInterceptor, WorkflowOutboundCallsInterceptor {
  private tenant = 'invalid';
  /** workflow time of the latest completion report */
  private completedAtMs: number | undefined;

  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
    this.tenant = tenantOf(input);
    const tenant = this.tenant;
    if (!(input.args[0] as ContainerRunInput | undefined)?.resumed) aciBatchMetrics.runStarted({ tenant });
    try {
      const result = (await next(input)) as RunResult;
      const { status, billedSeconds, costUsd } = result;
      aciBatchMetrics.runFinished({ tenant, status, billedSeconds, costUsd });
      return result;
    } catch (error) {
      if (!(error instanceof ContinueAsNew)) {
        const status = isCancellation(error) ? 'Cancelled' : 'Failed';
        aciBatchMetrics.runFinished({ tenant, status, billedSeconds: 0, costUsd: 0 });
      }
      throw error;
    }
  }

  // not async: the signal handler runs exactly when it would without this interceptor
  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
    if (input.signalName === completionSignal.name) this.completedAtMs = Date.now();
    return next(input);
  }

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    const scheduled = next(input);
    if (input.activityType !== DELETE_ACTIVITY) return scheduled;
    return scheduled.then((result) => {
      if (this.completedAtMs !== undefined) {
        const secondsSinceCompletion = (Date.now() - this.completedAtMs) / 1000;
        aciBatchMetrics.groupDeleted({ tenant: this.tenant, secondsSinceCompletion });
      }
      return result;
    });
  }
}

export function interceptors(): WorkflowInterceptors {
  switch (workflowInfo().workflowType) {
    case 'batchJob':
      return { inbound: [new JobMetrics()] };
    case 'containerRun': {
      const run = new RunMetrics();
      return { inbound: [run], outbound: [run] };
    }
    default:
      return {};
  }
}
