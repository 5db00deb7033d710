/**
 * `aci-batch schedule ...` and `aci-batch rerun` as subprocesses against the real dev server and the local
 * stack: every schedule command with --json and in plain text, their exit codes (2 a bad file or usage, 3 no
 * such schedule or job, 1 a conflict), a rerun of a partly failed job listed by the original's status.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ScheduleListItem, ScheduleView } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import type { JobSummary } from '../../src/shared/messages';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { parseJson, runCli } from './run-cli';

const tenant = `clis-${randomBytes(3).toString('hex')}`;
let stack: LocalStack;
let dir: string;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `cli-schedules-${randomBytes(4).toString('hex')}`,
    reporting: 'callback',
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
  });
  dir = mkdtempSync(join(tmpdir(), 'aci-batch-cli-schedules-'));
  env = {
    TEMPORAL_ADDRESS: inject('temporalDevAddress'),
    TEMPORAL_NAMESPACE: DEFAULT_NAMESPACE,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    ACI_BATCH_CALLBACK_BASE_URL: stack.jobSettings.callbackBaseUrl!,
    ACI_BATCH_TENANT: tenant,
  };
});
afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const JOB = `  image: acibatch.azurecr.io/samples/batch-job:1
  cpu: 0.5
  memoryGB: 0.5
  env: { WORK_STEPS: '2', STEP_MS: '100' }
  monitorInterval: 2s
  timeLimit: 2m`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('aci-batch schedule', () => {
  it('creates, lists, describes, updates, pauses, resumes, triggers, backfills and deletes a schedule', async () => {
    const name = `cli-${randomBytes(2).toString('hex')}`;
    const spec = file(
      'schedule.yaml',
      `name: ${name}\ncron: '0 3 * * *'\ntimeZone: Europe/Paris\nnote: the nightly import\njob:\n${JOB}\n`,
    );
    const created = await cli('schedule', 'create', spec, '--paused', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(parseJson<ScheduleView>(created)).toMatchObject({
      ref: { tenant, name },
      paused: true,
      schedule: { cron: '0 3 * * *', timeZone: 'Europe/Paris' },
    });
    const again = await cli('schedule', 'create', spec);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Schedule ${tenant}/${name} exists already`);
    expect(again.stderr).toContain(`aci-batch schedule update ${tenant}/${name}`);

    const listed = await waitFor('the schedule to be listed', async () => {
      const list = await cli('schedule', 'list', '--json');
      return parseJson<{ schedules: ScheduleListItem[] }>(list).schedules.find((item) => item.name === name);
    });
    expect(listed).toMatchObject({ paused: true, note: 'the nightly import' });
    const plainList = await cli('schedule', 'list');
    expect(plainList.stdout).toMatch(new RegExp(`^${name} +Paused`, 'm'));

    const described = await cli('schedule', 'describe', `${tenant}/${name}`);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain(`Schedule ${tenant}/${name}: Paused (the nightly import)`);
    expect(described.stdout).toContain('when: cron "0 3 * * *", time zone Europe/Paris');
    expect(described.stdout).toContain(`each run as ${name}-<yyyymmddhhmmss>`);

    const changes = file('changes.yaml', 'every: 12h\novertap: Skip\n');
    const badUpdate = await cli('schedule', 'update', name, changes);
    expect(badUpdate.code).toBe(2);
    expect(badUpdate.stderr).toContain('unknown field(s) overtap');
    const updated = await cli('schedule', 'update', name, file('changes2.yaml', 'every: 12h\n'), '--json');
    expect(parseJson<ScheduleView>(updated).schedule).toMatchObject({
      every: '12h',
      timeZone: 'Europe/Paris',
    });

    const resumed = await cli('schedule', 'resume', name, '--note', 'go');
    expect(resumed.stdout).toMatch(/is active: go\.\nNext runs: /);
    const paused = await cli('schedule', 'pause', name, '--note', 'holiday');
    expect(paused.stdout).toContain(`Schedule ${tenant}/${name} is paused: holiday.`);

    const triggered = await cli('schedule', 'trigger', name);
    expect(triggered.code).toBe(0);
    const backfilled = await cli(
      'schedule',
      'backfill',
      name,
      '--start',
      '2026-11-01T00:00:00Z',
      '--end',
      '2026-11-01T00:00:00Z',
      '--json',
    );
    expect(backfilled.code, backfilled.stderr).toBe(0);
    const jobs = await waitFor(
      'the triggered and the backfilled job to end',
      async () => {
        const list = parseJson<{ jobs: Array<{ jobId: string; status: string }> }>(
          await cli('list', '--schedule', name, '--json'),
        );
        return list.jobs.length === 2 && list.jobs.every((job) => job.status === 'Completed') && list.jobs;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(jobs.map((job) => job.jobId)).toContain(`${name}-20261101000000`);
    const status = await cli('status', `${name}-20261101000000`, '--json');
    expect(parseJson<{ schedule: string; state: string }>(status)).toMatchObject({
      schedule: name,
      state: 'Completed',
    });

    expect((await cli('schedule', 'delete', name)).stdout).toContain(`Deleted schedule ${tenant}/${name}.`);
    const gone = await cli('schedule', 'describe', name);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain(`No schedule ${tenant}/${name}.`);
  });

  it('refuses a bad schedule file with exit code 2, naming each field and its fix', async () => {
    const bad = file(
      'bad.yaml',
      `name: Bad Name\ncron: 'every day'\njob:\n  image: x\n  cpu: 64\n  jobId: fixed\n`,
    );
    const run = await cli('schedule', 'create', bad);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad} is not a valid schedule:`);
    expect(run.stderr).toMatch(/^ {2}name: name may contain only lowercase letters/m);
    expect(run.stderr).toMatch(/^ {2}cron: cron must have 5 fields/m);
    expect(run.stderr).toMatch(/^ {2}job\.cpu: cpu must be at most 31/m);
    expect(run.stderr).toMatch(/^ {2}job\.jobId: .*remove jobId$/m);
    const backwards = await cli('schedule', 'backfill', 'x', '--start', '2026-11-02', '--end', '2026-11-01');
    expect(backwards.code).toBe(2);
  });
});

describe('aci-batch rerun', () => {
  it('reruns the failed instances of a finished job; the original lists its rerun', async () => {
    const jobId = `partly-${randomBytes(3).toString('hex')}`;
    const spec = file(
      'partly.yaml',
      `tenant: ${tenant}\njobId: ${jobId}\n${JOB.replace(/^ {2}/gm, '')}\ninstances:\n  - {}\n  - env: { FAIL_ON_ATTEMPTS: '1' }\nonFailure: { action: delete }\n`,
    );
    expect((await cli('submit', spec)).code).toBe(0);
    const early = await cli('rerun', jobId, '--failed');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/is (Running|Waiting): wait until it ends/);
    const noFlag = await cli('rerun', jobId);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toContain('--failed');
    expect((await cli('rerun', `missing-${jobId}`, '--failed')).code).toBe(3);

    await waitFor(
      'the job to end',
      async () =>
        parseJson<{ state: string }>(await cli('status', jobId, '--json')).state === 'PartiallyFailed',
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const rerun = await cli('rerun', jobId, '--failed', '--watch');
    expect(rerun.code).toBe(1); // the instance fails its first attempt again
    expect(rerun.stdout).toContain(
      `Started job ${tenant}/${jobId}-rerun-1, a rerun of ${tenant}/${jobId}: instances 1.`,
    );
    expect(rerun.stdout).toMatch(new RegExp(`Job ${tenant}/${jobId}-rerun-1: Failed`));

    const original = await waitFor('the original to list its rerun', async () => {
      const status = parseJson<{ reruns?: Array<{ jobId: string }>; summary: JobSummary }>(
        await cli('status', jobId, '--json'),
      );
      return status.reruns?.length ? status : undefined;
    });
    expect(original.reruns).toEqual([
      expect.objectContaining({ jobId: `${jobId}-rerun-1`, status: 'Failed' }),
    ]);
    const plain = await cli('status', jobId);
    expect(plain.stdout).toContain(`Reruns: ${jobId}-rerun-1 (Failed)`);
    expect((await cli('status', `${jobId}-rerun-1`)).stdout).toContain(`A rerun of ${tenant}/${jobId}.`);
  });
});
