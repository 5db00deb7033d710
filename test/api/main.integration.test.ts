/**
 * `npm run api` as a process, on the real dev server: it refuses bad settings with one readable error, serves
 * jobs (which read well in the Web UI: summary, details, search attributes), and stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { PROJECT_ROOT } from '../../dev/temporal-tools';
import { parseJobSpec } from '../../src/shared/job-spec';
import { jobDetails, jobSummary } from '../../src/shared/summaries';
import { JOB_ID, JOB_STATUS, TENANT } from '../../src/shared/search-attributes';
import { freePort } from '../helpers/ports';
import { waitFor } from '../helpers/wait';

const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const key = `acme-${randomBytes(16).toString('hex')}`;

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startApiProcess(env: NodeJS.ProcessEnv): {
  child: ChildProcess;
  output: () => Exited;
  exited: Promise<Exited>;
} {
  // only what the test gives, so nothing from the developer's shell leaks into the settings
  const child = spawn(TSX, ['src/api/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = () => ({ code: child.exitCode, stdout, stderr });
  const exited = new Promise<Exited>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, output, exited };
}

describe('npm run api: bad settings', () => {
  it('exits 1 with every problem named, before connecting anywhere', async () => {
    const { exited } = startApiProcess({
      ACI_BATCH_API_KEYS: 'acme=short',
      TEMPORAL_ADDRESS: 'localhost',
    });
    const { code, stderr } = await exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/Invalid configuration:/);
    expect(stderr).toMatch(/ACI_BATCH_API_KEYS: .*at least 16 characters/);
    expect(stderr).toMatch(/ACI_BATCH_CALLBACK_SECRET: is required/);
    expect(stderr).toMatch(/TEMPORAL_ADDRESS: must be host:port/);
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

describe('npm run api: serving', () => {
  let api: ReturnType<typeof startApiProcess>;
  let url: string;
  let connection: Connection;
  let client: Client;
  const taskQueue = `api-main-${randomBytes(4).toString('hex')}`; // no worker polls it: jobs stay put

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    api = startApiProcess({
      TEMPORAL_ADDRESS: inject('temporalDevAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      ACI_BATCH_API_PORT: String(port),
      ACI_BATCH_API_KEYS: `acme=${key}`,
      ACI_BATCH_CALLBACK_SECRET: randomBytes(32).toString('base64url'),
      ACI_BATCH_CALLBACK_BASE_URL: 'https://batch.example.com/v1',
    });
    await waitFor(
      'the API to listen',
      () => {
        if (api.output().code !== null) throw new Error(`it exited with code ${api.output().code}`);
        return api.output().stdout.includes('aci-batch API listening');
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    ).catch((error: Error) => {
      throw new Error(`the API did not start: ${error.message}\n${api.output().stderr}`);
    });
    connection = await Connection.connect({ address: inject('temporalDevAddress') });
    client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
  }, 60_000);

  afterAll(async () => {
    if (api?.output().code === null) api.child.kill('SIGKILL');
    await connection?.close();
  });

  it('answers its health check', async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('starts a job whose workflow reads well in the Web UI: summary, details, memo, search attributes', async () => {
    const jobId = `ui-${randomBytes(3).toString('hex')}`;
    const body = {
      jobId,
      image: 'myacr.azurecr.io/batch/job:1.0',
      instances: 3,
      cpu: 0.5,
      memoryGB: 1,
      secretEnv: { TOKEN: 'do-not-show-me' },
    };
    const response = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    const handle = client.workflow.getHandle(`acme.${jobId}`);
    try {
      const description = await handle.describe();
      const spec = parseJobSpec({ ...body, tenant: 'acme' });
      expect(await description.staticSummary()).toBe(jobSummary(spec, jobId));
      expect(await description.staticDetails()).toBe(jobDetails(spec, jobId));
      expect(description.taskQueue).toBe(taskQueue);
      expect(description.memo).toMatchObject({ image: body.image, instances: 3 });
      expect(description.typedSearchAttributes.get(TENANT)).toBe('acme');
      expect(description.typedSearchAttributes.get(JOB_ID)).toBe(jobId);
      expect(description.typedSearchAttributes.get(JOB_STATUS)).toBe('Running');
      expect(JSON.stringify(description.raw)).not.toContain('do-not-show-me');
    } finally {
      await handle.terminate('test over');
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    api.child.kill('SIGTERM');
    const { code, stdout } = await api.exited;
    expect(stdout).toMatch(/shutting down/);
    expect(code).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
