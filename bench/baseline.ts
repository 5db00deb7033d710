/**
 * The raw baseline: what a plain script does for the same job without Temporal. The same ARM calls (create and
 * poll it to the end, read the state once the container reports, delete and poll it), through the same Azure
 * SDK client and container group body as the activities, with the same concurrency, against the same emulator.
 */
import { buildContainerGroup, prepareCreateRequest } from '../src/azure/container-group';
import { preciseNow } from '../dev/emulator/time';
import { specForInstance } from '../src/shared/job-spec';
import { containerGroupName, runWorkflowId } from '../src/shared/names';
import { benchSpec, BENCH_TENANT } from './jobs';
import { inPool } from './pool';
import type { ProfileStack } from './profile-stack';
import { BENCH_RESOURCE_GROUP } from './worker-child';

export interface BaselineRun {
  jobId: string;
  wallMs: number;
}

export async function runBaseline(
  stack: ProfileStack,
  options: { jobId: string; instances: number; concurrency: number; runMs: number },
): Promise<BaselineRun> {
  const { jobId, runMs } = options;
  const spec = benchSpec(jobId, options.instances, options.concurrency);
  const groups = stack.aci.containerGroups;
  const updateIntervalInMs = stack.plan.pollIntervalMs;
  const startedAt = preciseNow();
  await inPool(options.instances, options.concurrency, async (index) => {
    const name = containerGroupName(BENCH_TENANT, jobId, index);
    const runId = runWorkflowId(BENCH_TENANT, jobId, index);
    const request = prepareCreateRequest(
      {
        resourceGroup: BENCH_RESOURCE_GROUP,
        name,
        spec: specForInstance(spec, index),
        run: { workflowId: runId, firstRunId: runId, jobId, instanceIndex: index },
        reporting: { kind: 'exitCode' },
      },
      undefined,
    );
    const body = buildContainerGroup(request);
    const finished = new Promise<void>((resolve) => stack.containers.expect(name, runMs, resolve));
    const created = await groups.beginCreateOrUpdate(BENCH_RESOURCE_GROUP, name, body, {
      updateIntervalInMs,
    });
    await created.pollUntilDone();
    await finished;
    await groups.get(BENCH_RESOURCE_GROUP, name);
    const deleted = await groups.beginDelete(BENCH_RESOURCE_GROUP, name, { updateIntervalInMs });
    await deleted.pollUntilDone();
  });
  return { jobId, wallMs: preciseNow() - startedAt };
}
