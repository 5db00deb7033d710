/**
 * What the cluster tests share: the running cluster (its state file), its HTTP API as a tenant uses it, its
 * Temporal frontend, the container groups left in the emulator (listed through ARM, as a user would), the jobs
 * of the sample batch job, and the tally of the fault tests.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createAciClient, EMULATOR_SUBSCRIPTION_ID, emulatorCredential } from '../../src/azure/client';
import type { JobSpecInput } from '../../src/shared/job-spec';
import { runProgressQuery, type JobSummary, type RunProgress } from '../../src/shared/messages';
import { containerGroupName, runWorkflowId } from '../../src/shared/names';
import {
  apiUrl,
  CLUSTER_RESOURCE_GROUP,
  CLUSTER_TENANT,
  emulatorCaFile,
  emulatorEndpoint,
  readState,
  temporalAddress,
  type ClusterState,
} from '../../dev/cluster/state';
import type { ChaosJob, Settled } from '../chaos/jobs';

export const SAMPLE_IMAGE = 'acibatch.azurecr.io/samples/batch-job:1';

/** The cluster as its state file says now (pids change as tests kill and start processes). */
export function clusterState(): ClusterState {
  const state = readState(inject('clusterDir'));
  if (!state) throw new Error(`no cluster state in ${inject('clusterDir')}`);
  return state;
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** The HTTP API as one tenant calls it, with its key. */
export class TenantApi {
  constructor(
    private readonly state: ClusterState,
    readonly tenant: string = CLUSTER_TENANT,
    private readonly key: string = state.secrets.apiKeys[tenant]!,
  ) {}

  async request<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${apiUrl(this.state)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
  }

  /** POST /v1/jobs; expects 202 (a new job) unless told otherwise. */
  async submit(spec: JobSpecInput, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const { tenant: _tenant, ...rest } = spec;
    return this.request('POST', '/v1/jobs', rest, headers);
  }

  job(jobId: string) {
    return this.request<{ state: string; status?: unknown; result?: JobSummary }>('GET', `/v1/jobs/${jobId}`);
  }

  /**
   * Waits for the job's result (GET /v1/jobs/:jobId until it has one), at most `timeoutMs`; answers other
   * than 200 (503 while Temporal or PostgreSQL is away) and refused connections are waited out.
   */
  async settle(jobId: string, timeoutMs: number): Promise<Settled> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      try {
        const { status, body } = await this.job(jobId);
        if (status === 200 && body.result) return { summary: body.result };
        last =
          status === 200 ? `state ${body.state}` : `HTTP ${status} ${JSON.stringify(body).slice(0, 200)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(500);
    }
    return { error: `job ${jobId} did not finish in ${timeoutMs / 1000} s (last: ${last})` };
  }
}

/** A client of the cluster's frontend; close its connection when done. */
export async function connectTemporal(state: ClusterState): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress(state) });
  return new Client({ connection, namespace: state.namespace });
}

/** The sample batch job with small resources, one entry of `instances` per instance (its own variables). */
export function sampleJob(
  jobId: string,
  instances: Array<Record<string, string>>,
  extra: Partial<JobSpecInput> = {},
): JobSpecInput {
  return {
    tenant: CLUSTER_TENANT,
    jobId,
    image: SAMPLE_IMAGE,
    cpu: 0.1,
    memoryGB: 0.1,
    env: { WORK_STEPS: '3', STEP_MS: '100' },
    instances: instances.map((env) => ({ env })),
    monitorInterval: '2s',
    timeLimit: '10m',
    onFailure: { action: 'restart', maxRestarts: 2, backoff: '1s' },
    logTailLines: 5,
    ...extra,
  };
}

export const groupNames = (job: Pick<ChaosJob, 'jobId' | 'expected'>) =>
  job.expected.map((_, index) => containerGroupName(CLUSTER_TENANT, job.jobId, index));

export const runIds = (job: Pick<ChaosJob, 'jobId' | 'expected'>) =>
  job.expected.map((_, index) => runWorkflowId(CLUSTER_TENANT, job.jobId, index));

/**
 * The container groups in the cluster's resource group, listed through ARM (the emulator's endpoint and CA) as
 * a user would list them in Azure; with `names`, only those.
 */
export async function groupsLeft(state: ClusterState, names?: readonly string[]): Promise<string[]> {
  const aci = createAciClient({
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    credential: emulatorCredential,
    endpoint: emulatorEndpoint(state),
    caPem: readFileSync(emulatorCaFile(state), 'utf8'),
  });
  const wanted = names && new Set(names.map((name) => name.toLowerCase()));
  const left: string[] = [];
  for await (const group of aci.containerGroups.listByResourceGroup(CLUSTER_RESOURCE_GROUP)) {
    const name = group.name ?? '';
    if (!wanted || wanted.has(name.toLowerCase())) left.push(`${name} (${group.provisioningState})`);
  }
  return left;
}

/** The run's live view, or undefined when it cannot answer now. */
export async function runProgress(client: Client, runId: string): Promise<RunProgress | undefined> {
  try {
    return await client.workflow.getHandle(runId).query(runProgressQuery);
  } catch {
    return undefined;
  }
}

/** Identities of the workers that completed the workflow's tasks, and ran its activities (from its history). */
export async function workersOf(client: Client, workflowId: string): Promise<Set<string>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const identities = new Set<string>();
  for (const event of history.events ?? []) {
    const identity =
      event.workflowTaskCompletedEventAttributes?.identity ??
      event.activityTaskStartedEventAttributes?.identity;
    if (identity) identities.add(identity);
  }
  return identities;
}

export interface TallyRow {
  scenario: string;
  jobs: number;
  runs: number;
  faults: string;
  lost: number;
  wrongResults: number;
  groupsLeft: number;
}

/** The fault tests' tally: a row per scenario (recorded before asserting, so it tells the truth on failure). */
export class ClusterTally {
  readonly rows: TallyRow[] = [];

  format(): string {
    const sum = (key: 'jobs' | 'runs' | 'lost' | 'wrongResults' | 'groupsLeft') =>
      this.rows.reduce((total, row) => total + row[key], 0);
    const width = Math.max(5, ...this.rows.map((row) => row.scenario.length));
    const line = (row: Omit<TallyRow, 'faults'>, faults = '') =>
      `  ${row.scenario.padEnd(width)}  jobs ${row.jobs} (${row.runs} runs)  lost ${row.lost}  ` +
      `wrong results ${row.wrongResults}  groups left ${row.groupsLeft}${faults ? `  [${faults}]` : ''}`;
    return [
      'cluster fault tally:',
      ...this.rows.map((row) => line(row, row.faults)),
      line({
        scenario: 'total',
        jobs: sum('jobs'),
        runs: sum('runs'),
        lost: sum('lost'),
        wrongResults: sum('wrongResults'),
        groupsLeft: sum('groupsLeft'),
      }),
    ].join('\n');
  }
}
