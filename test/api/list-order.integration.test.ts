/**
 * The order of a tenant's job list, `GET /v1/jobs` (and `JobClient.list`, which `aci-batch list` pages through):
 * running jobs first, latest started first, then ended jobs, latest ENDED first, so that a job started early
 * but ended late comes before one started later that ended sooner. No worker polls the task queue: the jobs
 * stay open until the test terminates them, in the order it chooses.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiConnectionOptions, buildApiServer } from '../../src/api/server';
import { JobClient, type JobListItem } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { jobWorkflowId } from '../../src/shared/names';
import { ApiKeys } from '../../src/security/api-keys';
import { submitSpec } from '../helpers/jobs';
import { waitFor } from '../helpers/wait';

const tenant = `order-${randomBytes(3).toString('hex')}`;
const apiKey = `${tenant}-${randomBytes(16).toString('hex')}`;
let connection: Connection;
let jobs: JobClient;
let app: FastifyInstance;

beforeAll(async () => {
  connection = await Connection.connect(apiConnectionOptions(inject('temporalDevAddress')));
  const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
  jobs = new JobClient(client, { taskQueue: `no-worker-${randomBytes(4).toString('hex')}` });
  app = await buildApiServer({
    jobs,
    apiKeys: new ApiKeys({ [tenant]: [apiKey] }),
    callbackSecret: randomBytes(32).toString('base64url'),
  });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
});

async function listed(): Promise<JobListItem[]> {
  const response = await app.inject({ url: '/v1/jobs', headers: { authorization: `Bearer ${apiKey}` } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ jobs: JobListItem[] }>().jobs;
}

describe("a tenant's job list", () => {
  it('puts running jobs first (latest started first), then ended ones (latest ended first)', async () => {
    const ids = ['first', 'second', 'third', 'fourth'].map(
      (label) => `${label}-${randomBytes(3).toString('hex')}`,
    );
    const [first, second, third, fourth] = ids as [string, string, string, string];
    for (const jobId of ids) {
      await submitSpec(jobs, { tenant, jobId, image: 'node:20', cpu: 0.1, memoryGB: 0.1, instances: 1 });
      await sleep(50); // distinct start times
    }
    // the second job ends before the first: the first, started earlier, ended later
    const terminate = (jobId: string) =>
      jobs.temporal.workflow
        .getHandle(jobWorkflowId(tenant, jobId))
        .terminate('ended by the list-order test');
    await terminate(second);
    await sleep(50);
    await terminate(first);

    const expected = [fourth, third, first, second];
    const order = await waitFor(
      'visibility to list the four jobs with the two ended ones closed',
      async () => {
        const items = await listed();
        const closed = items.filter((item) => item.closedAt !== undefined).map((item) => item.jobId);
        return items.length === 4 && closed.length === 2 && items.map((item) => item.jobId);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(order).toEqual(expected);

    // the client the CLI pages through answers the same order
    const page = await jobs.list({ tenant });
    expect(page.jobs.map((item) => item.jobId)).toEqual(expected);

    await Promise.all([third, fourth].map((jobId) => terminate(jobId)));
  });
});
