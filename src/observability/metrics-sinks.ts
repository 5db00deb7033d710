/** The worker's end of the `aciBatchMetrics` sink: workflow events recorded in the project's metrics. */
import type { InjectedSinks } from '@temporalio/worker';
import type { ProjectMetrics } from './metrics';
import type { WorkflowMetricsSinks } from '../shared/workflow-metrics';

export function metricsSinks(metrics: ProjectMetrics): InjectedSinks<WorkflowMetricsSinks> {
  return {
    aciBatchMetrics: {
      jobStarted: { fn: (_info, event) => metrics.jobStarted(event) },
      jobFinished: { fn: (_info, event) => metrics.jobFinished(event) },
      runStarted: { fn: (_info, event) => metrics.runStarted(event) },
      runFinished: { fn: (_info, event) => metrics.runFinished(event) },
      groupDeleted: { fn: (_info, event) => metrics.groupDeleted(event) },
      capacityGranted: { fn: (_info, event) => metrics.capacityGranted(event) },
      capacityRefused: { fn: (_info, event) => metrics.capacityRefused(event) },
      capacityStanding: { fn: (_info, event) => metrics.capacityStanding(event) },
    },
  };
}
