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
 *    says its archive is not complete.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { outputContent } from '../../examples/batch-job/config';
import { DEFAULT_NAMESPACE } from '../../src/config';
import type { JobSpecInput } from '../../src/shared/job-spec';
import type { RunResult } from '../../src/shared/messages';
import { containerGroupName } from '../../src/shared/names';
import { submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { parseJson, runCli } from '../cli/run-cli';

const SAMPLE_IMAGE = 'acibatch.azurecr.io/samples/batch-job:1';
const TENANT = 'e2e';

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
