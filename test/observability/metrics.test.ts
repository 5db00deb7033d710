import type { WorkflowInfo } from '@temporalio/workflow';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectMetrics } from '../../src/observability/metrics';
import { startMetricsServer, type MetricsServer } from '../../src/observability/metrics-server';
import { metricsSinks } from '../../src/observability/metrics-sinks';

const info = {} as WorkflowInfo;

describe('project metrics', () => {
  let server: MetricsServer | undefined;
  afterEach(() => server?.close());

  it('record what the workflow sink reports, by tenant and outcome', async () => {
    const metrics = new ProjectMetrics();
    const sink = metricsSinks(metrics).aciBatchMetrics;
    await sink.jobStarted.fn(info, { tenant: 'acme' });
    await sink.runStarted.fn(info, { tenant: 'acme' });
    await sink.runStarted.fn(info, { tenant: 'acme' });
    await sink.runFinished.fn(info, {
      tenant: 'acme',
      status: 'Succeeded',
      billedSeconds: 30,
      costUsd: 0.0004,
    });
    await sink.runFinished.fn(info, { tenant: 'acme', status: 'Failed', billedSeconds: 12, costUsd: 0.0001 });
    await sink.groupDeleted.fn(info, { tenant: 'acme', secondsSinceCompletion: 0.08 });
    await sink.jobFinished.fn(info, { tenant: 'acme', outcome: 'PartiallyFailed' });
    const text = await metrics.registry.metrics();
    for (const sample of [
      'aci_batch_jobs_started_total{tenant="acme"} 1',
      'aci_batch_jobs_finished_total{tenant="acme",outcome="PartiallyFailed"} 1',
      'aci_batch_runs_started_total{tenant="acme"} 2',
      'aci_batch_runs_finished_total{tenant="acme",status="Succeeded"} 1',
      'aci_batch_runs_finished_total{tenant="acme",status="Failed"} 1',
      'aci_batch_container_seconds_total{tenant="acme"} 42',
      'aci_batch_cost_usd_total{tenant="acme"} 0.0005',
      'aci_batch_completion_to_deletion_seconds_bucket{le="0.1",tenant="acme"} 1',
      'aci_batch_completion_to_deletion_seconds_count{tenant="acme"} 1',
    ]) {
      expect(text).toContain(sample);
    }
  });

  it('are served at /metrics with the process metrics, and nothing else is', async () => {
    const metrics = new ProjectMetrics();
    metrics.jobStarted({ tenant: 'acme' });
    server = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0 });
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('aci_batch_jobs_started_total{tenant="acme"} 1');
    expect(text).toContain('process_resident_memory_bytes');
    const other = await fetch(server.url.replace('/metrics', '/'));
    expect(other.status).toBe(404);
  });
});
