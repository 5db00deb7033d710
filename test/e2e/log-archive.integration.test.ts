/**
 * Every log line and every output file kept, end to end: the real dev server, worker, API and Azure SDK
 * against the ACI emulator (which keeps 4 MB of a running container's log and only its last 16 KB or 1,000
 * lines once it has stopped, as ACI does) and Azurite, the sample batch job as the container, and the
 * `aci-batch` CLI as a user runs it. Once the job has ended and its group is gone:
 *  - 50,000 numbered lines (written in bursts of 500 lines with one timestamp each) come back from
 *    `aci-batch logs` in order, none doubled, and the two output files from `aci-batch outputs download`
 *    byte for byte; the emulator's request log shows the reads while the container ran;
 *  - a cancelled run keeps the log it wrote until the cancellation (more than 1,000 lines);
 *  - a run restarted once keeps both attempts' logs (`--attempt 1` and the latest), and `--follow` prints
 *    both as they are archived;
 *  - a container that writes 5,000 lines and exits at once has only what ACI kept after it stopped: the result
 *    says its archive is not complete;
 *  - the Python and shell reporters upload outputs with their run's grant, and a grant (a real SAS, checked by
 *    Azurite) cannot write or read a sibling run's place; the API serves outputs and logs to their tenant only.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { outputContent } from '../../examples/batch-job/config';
import { DEFAULT_NAMESPACE } from '../../src/config';
import type { JobSpecInput } from '../../src/shared/job-spec';
import type { RunResult } from '../../src/shared/messages';
import { containerGroupName } from '../../src/shared/names';
import { runTokenOf, submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { parseJson, runCli } from '../cli/run-cli';

const SAMPLE_IMAGE = 'acibatch.azurecr.io/samples/batch-job:1';
const TENANT = 'e2e';
const ROOT = join(__dirname, '..', '..');
const secret = randomBytes(32).toString('base64url');
const keys = {
  e2e: `e2e-${randomBytes(16).toString('hex')}`,
  other: `other-${randomBytes(16).toString('hex')}`,
};

let stack: LocalStack;
let env: Record<string, string>;
let dir: string;
const cli = (...args: string[]) => runCli(args, env, 120_000);

beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `archive-${randomBytes(4).toString('hex')}`,
    reporting: 'callback',
    callbackSecret: secret,
    apiKeys: { e2e: [keys.e2e], other: [keys.other] },
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
  });
  dir = mkdtempSync(join(tmpdir(), 'aci-batch-archive-'));
  env = {
    TEMPORAL_ADDRESS: inject('temporalDevAddress'),
    TEMPORAL_NAMESPACE: DEFAULT_NAMESPACE,
    ACI_BATCH_STORAGE_CONNECTION_STRING: stack.azurite!.connectionString,
  };
});
afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function job(
  jobId: string,
  env: Record<string, string>,
  overrides: Partial<JobSpecInput> = {},
): JobSpecInput {
  return {
    tenant: TENANT,
    jobId,
    image: SAMPLE_IMAGE,
    cpu: 0.5,
    memoryGB: 0.5,
    env: { WORK_STEPS: '1', STEP_MS: '50', ...env },
    monitorInterval: '1s',
    timeLimit: '5m',
    ...overrides,
  };
}

/** The numbered lines of a log (`attempt 1 line 000001`), as numbers, checked to belong to `attempt`. */
function numbered(log: string, attempt: number): number[] {
  return log
    .split('\n')
    .filter((line) => line.includes(' line '))
    .map((line) => {
      const match = /^attempt (\d+) line (\d{6})$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(Number(match![1])).toBe(attempt);
      return Number(match![2]);
    });
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function resultOf(jobId: string, index = 0): Promise<RunResult> {
  const run = await stack.jobs.getRun({ tenant: TENANT, jobId }, index);
  return run.result!;
}

describe('the log archive and outputs, end to end', { timeout: 240_000 }, () => {
  it('keeps 50,000 lines and two output files: `aci-batch logs` and `outputs download` return them all once the group is gone', async () => {
    const jobId = `lines-${randomBytes(3).toString('hex')}`;
    const files = { 'results/data.bin': 3_000_000, 'summary.txt': 1234 };
    const submitted = await submitSpec(
      stack.jobs,
      job(jobId, {
        LOG_LINES: '50000',
        LOG_BURST: '500',
        LOG_PAUSE_MS: '20',
        // quiet for a few monitor ticks before reporting: the last lines are read while the container runs
        LOG_SETTLE_MS: '4000',
        OUTPUT_FILES: Object.entries(files)
          .map(([name, bytes]) => `${name}:${bytes}`)
          .join(','),
      }),
    );
    const summary = await stack.jobs.result(submitted.ref);
    expect(summary.outcome).toBe('Completed');
    expect(stack.emulator!.groups()).toEqual([]);

    const logs = await cli('logs', `${TENANT}/${jobId}`);
    expect(logs.code, logs.stderr).toBe(0);
    expect(numbered(logs.stdout, 1)).toEqual(range(1, 50_000));
    const lines = logs.stdout.split('\n').filter(Boolean);
    expect(new Set(lines).size).toBe(lines.length);
    expect(logs.stdout).toMatch(/completed\n$/);

    // the reads came while the container ran: after it stopped, ACI keeps at most 1,000 lines
    const group = containerGroupName(TENANT, jobId, 0);
    const reads = stack.emulator!.requests.all({ operation: 'logs', group, status: 200 });
    const deleted = stack.emulator!.requests.all({ operation: 'delete', group })[0]!;
    expect(
      reads.filter((read) => read.path.includes('timestamps=true') && read.time < deleted.time).length,
    ).toBeGreaterThanOrEqual(3);
    const result = await resultOf(jobId);
    expect(result.logArchive).toMatchObject({
      complete: true,
      attempts: [{ attempt: 1, complete: true, lines: lines.length }],
    });

    const listed = await cli('outputs', 'list', `${TENANT}/${jobId}`, '--json');
    const outputs = parseJson<{ outputs: Array<{ name: string; size: number }> }>(listed).outputs;
    expect(outputs.map((output) => [output.name, output.size])).toEqual([
      ['results/data.bin', 3_000_000],
      ['summary.txt', 1234],
    ]);
    expect(result.outputs).toMatchObject({ count: 2, bytes: 3_001_234 });
    const target = join(dir, jobId);
    const download = await cli('outputs', 'download', `${TENANT}/${jobId}`, '--dir', target);
    expect(download.code, download.stderr).toBe(0);
    for (const [name, bytes] of Object.entries(files)) {
      expect(readFileSync(join(target, name)).equals(outputContent(name, bytes)), name).toBe(true);
    }
  });

  it('keeps the log of a cancelled run, read until the cancellation', async () => {
    const jobId = `cancel-${randomBytes(3).toString('hex')}`;
    const submitted = await submitSpec(
      stack.jobs,
      job(jobId, { LOG_LINES: '200000', LOG_BURST: '100', LOG_PAUSE_MS: '20' }),
    );
    const run = await stack.jobs.runStorage(submitted.ref, 0).catch(() => undefined);
    const storageRef =
      run ?? (await waitFor('the run', () => stack.jobs.runStorage(submitted.ref, 0).catch(() => undefined)));
    await waitFor(
      'more than 3,000 lines archived',
      async () => ((await stack.storage!.listAttemptLogs(storageRef))[0]?.bytes ?? 0) > 3000 * 50,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const cancelled = await cli('cancel', `${TENANT}/${jobId}`);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(stack.emulator!.groups()).toEqual([]);

    const logs = await cli('logs', `${TENANT}/${jobId}`);
    expect(logs.code, logs.stderr).toBe(0);
    const kept = numbered(logs.stdout, 1);
    expect(kept.length).toBeGreaterThan(3000);
    expect(kept).toEqual(range(1, kept.length));
  });

  it('keeps one log per attempt of a run restarted once, and --follow prints both as they are archived', async () => {
    const jobId = `restart-${randomBytes(3).toString('hex')}`;
    const submitted = await submitSpec(
      stack.jobs,
      job(
        jobId,
        {
          LOG_LINES: '3000',
          LOG_BURST: '250',
          LOG_PAUSE_MS: '20',
          LOG_SETTLE_MS: '4000',
          FAIL_ON_ATTEMPTS: '1',
        },
        { onFailure: { action: 'restart', maxRestarts: 1, backoff: '1s' } },
      ),
    );
    await waitFor('the run to start', () => stack.jobs.runStorage(submitted.ref, 0).catch(() => undefined));
    const following = cli('logs', `${TENANT}/${jobId}`, '--follow');
    const summary = await stack.jobs.result(submitted.ref);
    expect(summary.runs[0]).toMatchObject({ status: 'Succeeded', attempts: 2 });

    const [first, latest, followed] = await Promise.all([
      cli('logs', `${TENANT}/${jobId}`, '--attempt', '1'),
      cli('logs', `${TENANT}/${jobId}`, '--json'),
      following,
    ]);
    expect(numbered(first.stdout, 1)).toEqual(range(1, 3000));
    expect(first.stdout).toContain('told to fail on attempt 1');
    const second = parseJson<{ attempt: number; attempts: number[]; complete: boolean; log: string }>(latest);
    expect(second).toMatchObject({ attempt: 2, attempts: [1, 2], complete: true });
    expect(numbered(second.log, 2)).toEqual(range(1, 3000));
    // --follow: attempt 1's lines, then attempt 2's, each once
    expect(followed.code, followed.stderr).toBe(0);
    const followedLines = followed.stdout.split('\n').filter((line) => line.includes(' line '));
    expect(followedLines).toEqual([
      ...range(1, 3000).map((n) => `attempt 1 line ${String(n).padStart(6, '0')}`),
      ...range(1, 3000).map((n) => `attempt 2 line ${String(n).padStart(6, '0')}`),
    ]);
    expect((await resultOf(jobId)).logArchive).toMatchObject({
      complete: true,
      attempts: [
        { attempt: 1, complete: true },
        { attempt: 2, complete: true },
      ],
    });
  });

  it('says so when ACI had cut the log before it could be read (5,000 lines, then an exit at once)', async () => {
    const jobId = `cut-${randomBytes(3).toString('hex')}`;
    const submitted = await submitSpec(
      stack.jobs,
      job(jobId, { LOG_LINES: '5000', LOG_BURST: '5000', LOG_PAUSE_MS: '0', EXIT_WITHOUT_REPORT: 'true' }),
    );
    const summary = await stack.jobs.result(submitted.ref);
    expect(summary.runs[0]?.status).toBe('Succeeded');
    const result = await resultOf(jobId);
    expect(result.logArchive).toMatchObject({
      complete: false,
      attempts: [{ attempt: 1, complete: false }],
    });
    expect(result.logArchive?.attempts[0]?.problem).toMatch(/lines may be missing/);
    const logs = await cli('logs', `${TENANT}/${jobId}`);
    const kept = numbered(logs.stdout, 1);
    expect(kept.length).toBeLessThan(1000);
    expect(kept.at(-1)).toBe(5000);
  });
});

/** Runs a command with the run's callback variables, as its container would. */
function inContainer(
  command: string,
  args: string[],
  runEnv: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...runEnv }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('upload grants from every reporter, confined to their run', { timeout: 120_000 }, () => {
  it('the Python and shell reporters upload outputs; a grant cannot touch a sibling run; tenants see only their own', async () => {
    const jobId = `grants-${randomBytes(3).toString('hex')}`;
    const submitted = await submitSpec(stack.jobs, {
      tenant: TENANT,
      jobId,
      image: 'node:20',
      command: ['node', '-e', 'setTimeout(() => {}, 600000)'],
      cpu: 0.1,
      memoryGB: 0.1,
      instances: 2,
      monitorInterval: '1s',
    });
    const runIds = [0, 1].map((index) => `${TENANT}.${jobId}.${index}`);
    const runEnv = await Promise.all(
      runIds.map(async (runId) => {
        const token = await waitFor(`run ${runId}`, () =>
          runTokenOf(stack.client, secret, runId).catch(() => undefined),
        );
        await waitFor(
          `run ${runId} to run`,
          async () =>
            (await stack.jobs.getRun(submitted.ref, Number(runId.at(-1)))).progress?.phase === 'Running',
          { timeoutMs: 30_000 },
        );
        return {
          ACI_BATCH_CALLBACK_URL: `${stack.jobSettings.callbackBaseUrl}/runs/${runId}`,
          ACI_BATCH_CALLBACK_TOKEN: token,
        };
      }),
    );
    const [mine, sibling] = [runEnv[0]!, runEnv[1]!];

    // the Python and the shell reporter each upload a file with their grant
    const pyFile = join(dir, 'py.bin');
    const shFile = join(dir, 'sh.txt');
    writeFileSync(pyFile, outputContent('py.bin', 200_000));
    writeFileSync(shFile, 'from the shell reporter\n');
    const py = await inContainer(
      'python3',
      [
        '-c',
        `import sys; from aci_batch_reporter import Reporter; print(Reporter.from_env().upload_output(sys.argv[1], "py/data.bin"))`,
        pyFile,
      ],
      { ...mine, PYTHONPATH: join(ROOT, 'src', 'container', 'python') },
    );
    expect(py.code, py.stderr).toBe(0);
    const sh = await inContainer(
      'sh',
      [join(ROOT, 'src/container/sh/aci-batch-report'), 'upload', shFile, 'sh/data.txt'],
      mine,
    );
    expect(sh.code, sh.stderr).toBe(0);

    // a grant of run 0 used for run 1's place, for another name, or to read: refused by the storage service
    const grantOf = async (runEnv: typeof mine, name: string) =>
      fetch(`${runEnv.ACI_BATCH_CALLBACK_URL}/outputs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${runEnv.ACI_BATCH_CALLBACK_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name }),
      });
    const granted = await grantOf(mine, 'a.txt');
    expect(granted.status).toBe(200);
    const { uploadUrl } = (await granted.json()) as { uploadUrl: string };
    const url = new URL(uploadUrl);
    const siblingPath = url.pathname.replace(`/${TENANT}/${jobId}/0/`, `/${TENANT}/${jobId}/1/`);
    expect(siblingPath).not.toBe(url.pathname);
    const put = (target: string) =>
      fetch(target, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' });
    expect((await put(`${url.origin}${siblingPath}${url.search}`)).status).toBe(403);
    expect((await put(uploadUrl.replace('/a.txt?', '/b.txt?'))).status).toBe(403);
    expect((await put(uploadUrl)).status).toBe(201);
    expect((await fetch(uploadUrl)).status).toBe(403);
    expect((await fetch(`${url.origin}${siblingPath}${url.search}`)).status).toBe(403);
    // names that leave the run's place, and another run's token, are refused by the API
    expect((await grantOf(mine, '../1/x.txt')).status).toBe(400);
    const stolen = await fetch(`${mine.ACI_BATCH_CALLBACK_URL}/outputs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sibling.ACI_BATCH_CALLBACK_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'x.txt' }),
    });
    expect(stolen.status).toBe(401);

    // the tenant reads them through the API (streamed); another tenant gets 404
    const api = (path: string, key = keys.e2e) =>
      fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    const listed = (await (await api(`/v1/jobs/${jobId}/instances/0/outputs`)).json()) as {
      outputs: Array<{ name: string; size: number }>;
    };
    expect(listed.outputs.map((o) => [o.name, o.size])).toEqual([
      ['a.txt', 1],
      ['py/data.bin', 200_000],
      ['sh/data.txt', 24],
    ]);
    const siblingListed = (await (await api(`/v1/jobs/${jobId}/instances/1/outputs`)).json()) as {
      outputs: unknown[];
    };
    expect(siblingListed.outputs).toEqual([]);
    const file = await api(`/v1/jobs/${jobId}/instances/0/outputs/py/data.bin`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(outputContent('py.bin', 200_000))).toBe(true);
    for (const path of ['/outputs', '/outputs/py/data.bin', '/logs']) {
      const foreign = await api(`/v1/jobs/${jobId}/instances/0${path}`, keys.other);
      expect(foreign.status, path).toBe(404);
    }

    // the run's result lists what it uploaded
    for (const runEnv of [mine, sibling]) {
      const done = await fetch(`${runEnv.ACI_BATCH_CALLBACK_URL}/complete`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${runEnv.ACI_BATCH_CALLBACK_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ status: 'Completed' }),
      });
      expect(done.status).toBe(202);
    }
    await stack.jobs.result(submitted.ref);
    expect((await resultOf(jobId, 0)).outputs).toMatchObject({ count: 3, bytes: 200_025 });
    // a finished run gets no more grants
    expect((await grantOf(mine, 'late.txt')).status).toBe(410);
  });
});
