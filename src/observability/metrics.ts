/**
 * The project's own metrics, in a prom-client registry of their own (served by metrics-server.ts): jobs and
 * runs by outcome, billed container-seconds and cost by tenant, and the time from a container's completion
 * report to its group's deletion. Recorded on the worker from the workflow interceptors' sink.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type {
  CapacityGranted,
  CapacityRefused,
  CapacityStanding,
  GroupDeleted,
  JobFinished,
  RunFinished,
  TenantEvent,
} from '../shared/workflow-metrics';

export class ProjectMetrics {
  readonly registry = new Registry();

  private readonly jobsStarted = new Counter({
    name: 'aci_batch_jobs_started_total',
    help: 'Jobs started',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  private readonly jobsFinished = new Counter({
    name: 'aci_batch_jobs_finished_total',
    help: 'Jobs finished, by outcome (Completed, PartiallyFailed, Failed, Cancelled)',
    labelNames: ['tenant', 'outcome'],
    registers: [this.registry],
  });
  private readonly runsStarted = new Counter({
    name: 'aci_batch_runs_started_total',
    help: 'Container runs (one container group each) started',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  private readonly runsFinished = new Counter({
    name: 'aci_batch_runs_finished_total',
    help: 'Container runs finished, by status (Succeeded, Failed, TimedOut, Cancelled)',
    labelNames: ['tenant', 'status'],
    registers: [this.registry],
  });
  private readonly containerSeconds = new Counter({
    name: 'aci_batch_container_seconds_total',
    help: 'Billed container-seconds of finished runs (create to delete or stop)',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  private readonly costUsd = new Counter({
    name: 'aci_batch_cost_usd_total',
    help: 'Estimated ACI cost of finished runs, USD',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  private readonly completionToDeletion = new Histogram({
    name: 'aci_batch_completion_to_deletion_seconds',
    help: "From a container's completion report to the end of its group's deletion (billing stops)",
    labelNames: ['tenant'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  private readonly leasesGranted = new Counter({
    name: 'aci_batch_capacity_grants_total',
    help: 'Leases granted by the admission ledgers',
    labelNames: ['pool', 'tenant'],
    registers: [this.registry],
  });
  private readonly queueWait = new Histogram({
    name: 'aci_batch_capacity_wait_seconds',
    help: 'How long runs waited for a lease',
    labelNames: ['pool', 'tenant'],
    buckets: [0.1, 1, 5, 15, 60, 300, 900, 1800, 3600, 10_800],
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'aci_batch_capacity_refusals_total',
    help: 'Creates ACI refused after a grant: throttled (429) or quota',
    labelNames: ['pool', 'tenant', 'kind'],
    registers: [this.registry],
  });
  private readonly queued = new Gauge({
    name: 'aci_batch_capacity_queued_runs',
    help: 'Runs waiting for a lease, by account (subscription/region) and tenant',
    labelNames: ['account', 'tenant'],
    registers: [this.registry],
  });
  private readonly heldCores = new Gauge({
    name: 'aci_batch_capacity_held_cores',
    help: 'Cores held by leases, by account (subscription/region) and tenant',
    labelNames: ['account', 'tenant'],
    registers: [this.registry],
  });

  jobStarted({ tenant }: TenantEvent): void {
    this.jobsStarted.inc({ tenant });
  }

  jobFinished({ tenant, outcome }: JobFinished): void {
    this.jobsFinished.inc({ tenant, outcome });
  }

  runStarted({ tenant }: TenantEvent): void {
    this.runsStarted.inc({ tenant });
  }

  runFinished({ tenant, status, billedSeconds, costUsd }: RunFinished): void {
    this.runsFinished.inc({ tenant, status });
    this.containerSeconds.inc({ tenant }, billedSeconds);
    this.costUsd.inc({ tenant }, costUsd);
  }

  groupDeleted({ tenant, secondsSinceCompletion }: GroupDeleted): void {
    this.completionToDeletion.observe({ tenant }, secondsSinceCompletion);
  }

  capacityGranted({ pool, tenant, waitedMs }: CapacityGranted): void {
    this.leasesGranted.inc({ pool, tenant });
    this.queueWait.observe({ pool, tenant }, waitedMs / 1000);
  }

  capacityRefused({ pool, tenant, kind }: CapacityRefused): void {
    this.refusals.inc({ pool, tenant, kind });
  }

  capacityStanding({ account, tenant, queued, heldCores }: CapacityStanding): void {
    this.queued.set({ account, tenant }, queued);
    this.heldCores.set({ account, tenant }, heldCores);
  }
}
