/**
 * The `aci-batch` CLI as a subprocess against the real dev server and the local stack (emulator, worker,
 * callback API): submit and watch the sample job, status, list, logs (live and kept), cancel, cost, --json
 * output (a paged summary's too), a bad spec file, an unreachable server, and the help.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { settleJobId, type JobListItem, type TenantCost } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { parseJobSpec } from '../../src/shared/job-spec';
import type { JobStatus, JobSummary } from '../../src/shared/messages';
import { containerGroupName, jobWorkflowId } from '../../src/shared/names';
import { batchJob } from '../../src/workflows';
import { objectContaining } from '../helpers/matchers';
import { freePort } from '../helpers/ports';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { parseJson, runCli } from './run-cli';

const SAMPLE_SPEC = 'examples/specs/sample-batch-job.yaml';
const LONG_SPEC = 'examples/specs/long-running.yaml';
const RESOURCE_GROUP = 'cli-tests';
const tenant = `cli-${randomBytes(3).toString('hex')}`;
const sampleJobId = `sample-${randomBytes(3).toString('hex')}`;
const longJobId = `idle-${randomBytes(3).toString('hex')}`;

let stack: LocalStack;
let dir: string;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);

interface StatusJson {
  tenant: string;
  jobId: string;
  state: string;
  status?: JobStatus;
  summary?: JobSummary;
}

interface LogsJson {
  instance: number;
  source: 'live' | 'kept';
  groupName: string;
  log: string;
}

beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `cli-${randomBytes(4).toString('hex')}`,
    reporting: 'callback',
    resourceGroup: RESOURCE_GROUP,
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
  });
  dir = mkdtempSync(join(tmpdir(), 'aci-batch-cli-'));
  const caFile = join(dir, 'emulator-ca.pem');
  writeFileSync(caFile, stack.emulator!.caPem);
  env = {
    TEMPORAL_ADDRESS: inject('temporalDevAddress'),
    TEMPORAL_NAMESPACE: DEFAULT_NAMESPACE,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    ACI_BATCH_CALLBACK_BASE_URL: stack.jobSettings.callbackBaseUrl!,
    ACI_EMULATOR_ENDPOINT: stack.emulator!.endpoint,
    ACI_EMULATOR_CA_FILE: caFile,
    ACI_RESOURCE_GROUP: RESOURCE_GROUP,
  };
});
afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('without a server', () => {
  it('--help shows every command, examples, the environment and the exit codes', async () => {
    const [top, logs] = await Promise.all([cli('--help'), cli('logs', '--help')]);
    expect(top.code).toBe(0);
    for (const command of ['submit', 'watch', 'status', 'list', 'cancel', 'logs', 'cost']) {
      expect(top.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(top.stdout).toContain('$ aci-batch submit examples/specs/sample-batch-job.yaml --watch');
    expect(top.stdout).toContain('TEMPORAL_ADDRESS');
    expect(top.stdout).toContain('4  cannot reach Temporal');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('--instance <index>');
    expect(logs.stdout).toContain('$ aci-batch logs acme/nightly-2026-11-24 --instance 7 --tail 20');
  });

  it('rejects a bad spec file with exit code 2, naming each field and its fix', async () => {
    const badSpec = join(dir, 'bad.yaml');
    writeFileSync(badSpec, 'tenant: Acme Corp\nimage: busybox\ninstances: 0\ncpu: 64\nenvv: {}\n');
    const notYaml = join(dir, 'broken.yaml');
    writeFileSync(notYaml, 'tenant: acme\nimage: [unclosed\n');
    const [bad, broken, missing] = await Promise.all([
      cli('submit', badSpec),
      cli('submit', notYaml),
      cli('submit', join(dir, 'missing.yaml')),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`${badSpec} is not a valid job spec:`);
    expect(bad.stderr).toMatch(
      /^ {2}tenant: tenant may contain only lowercase letters, digits and single hyphens/m,
    );
    expect(bad.stderr).toMatch(/^ {2}instances: instances must be at least 1$/m);
    expect(bad.stderr).toMatch(/^ {2}cpu: cpu must be at most 31 \(ACI limit per container group\)$/m);
    expect(bad.stderr).toMatch(/^ {2}\(spec\): unknown field\(s\) envv; check the spelling$/m);
    expect(bad.stderr).toContain('See examples/specs/ for complete job specs.');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${notYaml} is not valid YAML or JSON`);
    expect(broken.stderr).toContain('at line 3, column 1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read the spec file');
    expect(missing.stderr).toContain('ENOENT');
  });

  it('refuses a spec asking for a GPU with exit code 2 before connecting anywhere, naming the retirement', async () => {
    const gpuSpec = join(dir, 'gpu.yaml');
    writeFileSync(gpuSpec, 'tenant: acme\nimage: busybox\ngpu: { count: 1, sku: V100 }\n');
    // nothing answers at this address: a connection attempt would end in exit code 4
    const run = await runCli(['submit', gpuSpec], {
      ...env,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ {2}gpu: ACI's GPU SKUs \(K80, P100, V100\) were retired on 14 July 2025/m);
    expect(run.stderr).toContain('Azure Container Apps');
    expect(run.stderr).not.toContain('Cannot reach Temporal');
  });

  it('says which address it cannot reach and how to start a server (exit code 4)', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const run = await runCli(['status', 'acme/some-job'], { ...env, TEMPORAL_ADDRESS: address });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`error: Cannot reach Temporal at ${address}`);
    expect(run.stderr).toContain('npm run server');
  });
});

describe('against the dev server', () => {
  let summary: JobSummary;

  it('submits the sample job with --watch and follows it to the end in plain lines', async () => {
    const run = await cli(
      'submit',
      SAMPLE_SPEC,
      '--tenant',
      tenant,
      '--job-id',
      sampleJobId,
      '--watch',
      '--interval',
      '0.3',
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`Submitted job ${tenant}/${sampleJobId} (task queue ${stack.taskQueue}).`);
    // not a terminal: progress as plain lines, a job line and a line per instance when they change
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^job ${sampleJobId}: Running \\d+% \\(`)));
    expect(lines).toContain(`job ${sampleJobId}: Completed 100% (Succeeded 3)`);
    for (const index of [0, 1, 2]) {
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^ {2}instance ${index}: (Creating|Running)`)),
      );
      expect(lines).toContain(`  instance ${index}: Succeeded (exit 0)`);
    }
    expect(lines).toContain(
      `Job ${tenant}/${sampleJobId}: Completed (3/3 succeeded, 0 failed, 0 timed out, 0 cancelled)`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^Billed container-seconds: \d+, estimated cost: \$0\.\d{6}$/),
    );
    expect(run.stdout).not.toContain('\u001b['); // no terminal control sequences
    expect(stack.emulator!.groups()).toEqual([]);
  });

  it('status --json gives the summary of the ended job', async () => {
    const run = await cli('status', `${tenant}/${sampleJobId}`, '--json');
    expect(run.code).toBe(0);
    const status = parseJson<StatusJson>(run);
    expect(status).toMatchObject({ tenant, jobId: sampleJobId, state: 'Completed' });
    expect(status.status).toBeUndefined();
    summary = status.summary!;
    expect(summary).toMatchObject({ outcome: 'Completed', total: 3, succeeded: 3, failed: 0 });
    expect(summary.runs.map((r) => [r.instanceIndex, r.status, r.exitCode]).sort()).toEqual([
      [0, 'Succeeded', 0],
      [1, 'Succeeded', 0],
      [2, 'Succeeded', 0],
    ]);
    expect(summary.costUsd).toBeGreaterThan(0);
  });

  it('list filters by tenant and status through visibility', async () => {
    const listed = (status: string, forTenant = tenant) =>
      cli('list', '--tenant', forTenant, '--status', status, '--json').then(
        (run) => parseJson<{ tenant: string; jobs: JobListItem[]; more: boolean }>(run).jobs,
      );
    // visibility is eventually consistent: the Completed status lands shortly after the job closes
    const completed = await waitFor(
      'the job to be listed as Completed',
      async () => {
        const jobs = await listed('Completed');
        return jobs.length > 0 && jobs;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(completed).toEqual([
      expect.objectContaining({
        tenant,
        jobId: sampleJobId,
        status: 'Completed',
        memo: objectContaining({ image: 'acibatch.azurecr.io/samples/batch-job:1', instances: 3 }),
      }),
    ]);
    const [running, otherTenant, table] = await Promise.all([
      listed('Running'),
      listed('Completed', `${tenant}-other`),
      cli('list', '--tenant', tenant),
    ]);
    expect(running).toEqual([]);
    expect(otherTenant).toEqual([]);
    expect(table.stdout).toMatch(/^JOB +STATUS +STARTED +CLOSED +INSTANCES +IMAGE$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${sampleJobId} +Completed +\\S+Z +\\S+Z +3 +acibatch\\.azurecr\\.io`, 'm'),
    );
  });

  it('logs shows the tail the run kept once its container group is gone', async () => {
    const [json, text, tail] = await Promise.all([
      cli('logs', `${tenant}/${sampleJobId}`, '--instance', '1', '--json'),
      cli('logs', sampleJobId, '--tenant', tenant, '--instance', '1'),
      cli('logs', `${tenant}/${sampleJobId}`, '--instance', '1', '--tail', '1'),
    ]);
    const kept = parseJson<LogsJson>(json);
    expect(kept).toMatchObject({
      instance: 1,
      source: 'kept',
      groupName: containerGroupName(tenant, sampleJobId, 1),
    });
    expect(kept.log).toContain('step 4/4 done\n');
    expect(kept.log).toContain('completed\n');
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(kept.log);
    expect(text.stderr).toContain('Log tail kept when instance 1 ended');
    expect(tail.stdout).toBe('completed\n');
  });

  it('cost --json of one job adds up its instances', async () => {
    const run = await cli('cost', `${tenant}/${sampleJobId}`, '--json');
    expect(run.code).toBe(0);
    const cost = parseJson<{ state: string; costUsd: number; billedSeconds: number; instances: unknown[] }>(
      run,
    );
    expect(cost).toMatchObject({
      state: 'Completed',
      costUsd: summary.costUsd,
      billedSeconds: summary.billedSeconds,
    });
    expect(cost.instances).toEqual(
      [...summary.runs]
        .sort((a, b) => a.instanceIndex - b.instanceIndex)
        .map((r) => ({ index: r.instanceIndex, billedSeconds: r.billedSeconds, costUsd: r.costUsd })),
    );
  });

  it('a paged summary (as a job of more than 1,000 instances has): watch, status and cost show every instance', async () => {
    // a tenant of its own: the tenant's cost below adds up the other jobs
    const pagedTenant = `${tenant}-paged`;
    const jobId = `paged-${randomBytes(3).toString('hex')}`;
    const ref = { tenant: pagedTenant, jobId };
    const spec = settleJobId(
      parseJobSpec({
        tenant: pagedTenant,
        jobId,
        image: 'acibatch.azurecr.io/samples/batch-job:1',
        cpu: 0.1,
        memoryGB: 0.1,
        env: { WORK_STEPS: '1', STEP_MS: '50' },
        instances: [{}, { env: { FAIL_ON_ATTEMPTS: '1' } }, {}],
        monitorInterval: '1s',
        onFailure: { action: 'delete' },
      }),
    );
    // started as the job client starts it, with the summary limit lowered from 1,000 instances to 0
    await stack.client.workflow.start(batchJob, {
      taskQueue: stack.taskQueue,
      workflowId: jobWorkflowId(pagedTenant, jobId),
      args: [{ spec, settings: stack.jobSettings, summaryRowsMax: 0 }],
    });
    const watched = await cli('watch', `${pagedTenant}/${jobId}`, '--json', '--interval', '0.3');
    expect(watched.code).toBe(1); // one instance failed
    // the last progress drawn from the records: each instance's end
    expect(watched.stderr).toContain('instance 1: Failed (exit 1)');
    expect(watched.stderr).toContain('instance 2: Succeeded (exit 0)');
    const [status, text, cost] = await Promise.all([
      cli('status', `${pagedTenant}/${jobId}`, '--json'),
      cli('status', `${pagedTenant}/${jobId}`),
      cli('cost', `${pagedTenant}/${jobId}`, '--json'),
    ]);
    const paged = await stack.jobs.result(ref);
    expect(paged).toMatchObject({ runs: [], runsPaged: true, succeeded: 2, failed: 1 });

    // --json: every row, read from the runs, as a listed summary has them
    const summary = parseJson<StatusJson>(status).summary!;
    expect(parseJson<StatusJson>(watched).summary).toEqual(summary);
    expect(summary).not.toHaveProperty('runsPaged');
    expect(summary).not.toHaveProperty('runRecords');
    expect(summary).toMatchObject({ outcome: 'PartiallyFailed', costUsd: paged.costUsd });
    for (const index of [0, 1, 2]) {
      const {
        logTail: _tail,
        result: _result,
        logArchive: _archive,
        outputs: _outputs,
        ...row
      } = (await stack.jobs.getRun(ref, index)).result!;
      expect(summary.runs[index]).toEqual(row);
    }
    expect(text.stdout).toContain(`Job ${pagedTenant}/${jobId}: PartiallyFailed (2/3 succeeded, 1 failed`);
    expect(text.stdout).toContain("Each instance's row: --json (read from its runs, 3 of them).");
    expect(parseJson<{ instances: unknown[] }>(cost).instances).toEqual(
      summary.runs.map((r) => ({
        index: r.instanceIndex,
        billedSeconds: r.billedSeconds,
        costUsd: r.costUsd,
      })),
    );
    expect(stack.emulator!.groups()).toEqual([]);
  });

  it('reads the live log of a running instance, then cancel leaves no container group', async () => {
    const submitted = await cli('submit', LONG_SPEC, '--tenant', tenant, '--job-id', longJobId, '--json');
    expect(parseJson(submitted)).toEqual({
      tenant,
      jobId: longJobId,
      workflowId: `${tenant}.${longJobId}`,
      started: true,
    });
    const live = await waitFor(
      'the live log to show the container working',
      async () => {
        const run = await cli('logs', `${tenant}/${longJobId}`, '--json');
        if (run.code !== 0) {
          // 3: the instance or its group does not exist yet
          expect(run.code, run.stderr).toBe(3);
          return undefined;
        }
        const logs = parseJson<LogsJson>(run);
        return logs.log.includes('working') && logs;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(live).toEqual({
      tenant,
      jobId: longJobId,
      instance: 0,
      source: 'live',
      groupName: containerGroupName(tenant, longJobId, 0),
      log: 'working\n',
    });
    expect(stack.emulator!.groups().map((g) => [g.resourceGroup, g.name])).toEqual([
      [RESOURCE_GROUP, containerGroupName(tenant, longJobId, 0)],
    ]);

    const cancelled = await cli('cancel', `${tenant}/${longJobId}`);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(
      `Job ${tenant}/${longJobId}: Cancelled (0/1 succeeded, 0 failed, 0 timed out, 1 cancelled)`,
    );
    expect(stack.emulator!.groups()).toEqual([]);

    const [status, again] = await Promise.all([
      cli('status', `${tenant}/${longJobId}`, '--json'),
      cli('cancel', `${tenant}/${longJobId}`, '--json'),
    ]);
    expect(parseJson<StatusJson>(status)).toMatchObject({ state: 'Cancelled', summary: { cancelled: 1 } });
    expect(parseJson(again)).toEqual({
      tenant,
      jobId: longJobId,
      cancelRequested: false,
      state: 'Cancelled',
    });
  });

  it('cost --json of a tenant adds up the jobs started in the period', async () => {
    const [run, before] = await Promise.all([
      cli('cost', '--tenant', tenant, '--since', '1h', '--json'),
      cli('cost', '--tenant', tenant, '--until', '2000-01-01', '--json'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const cost = parseJson<TenantCost>(run);
    const byJob = Object.fromEntries(cost.jobs.map((job) => [job.jobId, job]));
    expect(Object.keys(byJob).sort()).toEqual([longJobId, sampleJobId].sort());
    expect(byJob[sampleJobId]).toMatchObject({
      outcome: 'Completed',
      instances: 3,
      costUsd: summary.costUsd,
    });
    expect(byJob[longJobId]).toMatchObject({ outcome: 'Cancelled', instances: 1 });
    expect(byJob[longJobId]!.costUsd).toBeGreaterThan(0);
    expect(cost.costUsd).toBeCloseTo(summary.costUsd + byJob[longJobId]!.costUsd, 6);
    expect(cost).toMatchObject({ tenant, running: [], unpriced: [] });
    expect(parseJson<TenantCost>(before)).toMatchObject({ jobs: [], costUsd: 0 });
  });

  it('submit --watch and watch exit with code 1 when an instance fails', async () => {
    const failing = join(dir, 'failing.yaml');
    writeFileSync(
      failing,
      [
        'image: acibatch.azurecr.io/samples/batch-job:1',
        'cpu: 0.1',
        'memoryGB: 0.1',
        "env: { WORK_STEPS: '1', STEP_MS: '50', FAIL_ON_ATTEMPTS: '1' }",
        'monitorInterval: 1s',
        'onFailure: { action: delete }',
      ].join('\n'),
    );
    const jobId = `failing-${randomBytes(3).toString('hex')}`;
    const submitted = await cli(
      'submit',
      failing,
      '--tenant',
      tenant,
      '--job-id',
      jobId,
      '--watch',
      '--interval',
      '0.3',
    );
    expect(submitted.code, submitted.stderr).toBe(1);
    expect(submitted.stdout).toContain(`Job ${tenant}/${jobId}: Failed (0/1 succeeded, 1 failed`);
    const watched = await cli('watch', `${tenant}/${jobId}`, '--json');
    expect(watched.code).toBe(1);
    expect(parseJson<StatusJson>(watched)).toMatchObject({ state: 'Failed', summary: { failed: 1 } });
  });

  it('lists running jobs first (latest started first), then ended ones (latest ended first)', async () => {
    const listTenant = `${tenant}-order`;
    const id = (label: string) => `${label}-${randomBytes(3).toString('hex')}`;
    const [earlyRunning, ended, lateRunning] = [id('early'), id('ended'), id('late')];
    const submit = (spec: string, jobId: string, ...more: string[]) =>
      cli('submit', spec, '--tenant', listTenant, '--job-id', jobId, ...more);
    expect((await submit(LONG_SPEC, earlyRunning)).code).toBe(0);
    expect((await submit(SAMPLE_SPEC, ended, '--watch', '--interval', '0.3')).code).toBe(0);
    expect((await submit(LONG_SPEC, lateRunning)).code).toBe(0);
    const order = await waitFor(
      'the three jobs to be listed in their states',
      async () => {
        const jobs = parseJson<{ jobs: JobListItem[] }>(
          await cli('list', '--tenant', listTenant, '--json'),
        ).jobs;
        return (
          jobs.map((job) => job.status).join() === 'Running,Running,Completed' && jobs.map((job) => job.jobId)
        );
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(order).toEqual([lateRunning, earlyRunning, ended]);
    for (const jobId of [earlyRunning, lateRunning]) {
      expect((await cli('cancel', `${listTenant}/${jobId}`)).code).toBe(0);
    }
  });

  it('answers exit code 3 for a job or instance that does not exist, with a way to find it', async () => {
    const [job, instance, noTenant] = await Promise.all([
      cli('status', `${tenant}/no-such-job`),
      cli('logs', `${tenant}/${sampleJobId}`, '--instance', '7'),
      cli('status', 'no-such-job'),
    ]);
    expect(job.code).toBe(3);
    expect(job.stderr).toContain(`error: No job ${tenant}/no-such-job in this namespace.`);
    expect(job.stderr).toContain(`aci-batch list --tenant ${tenant}`);
    expect(instance.code).toBe(3);
    expect(instance.stderr).toContain(`Job ${tenant}/${sampleJobId} has 3 instances: 0 to 2.`);
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toContain('pass --tenant, or set ACI_BATCH_TENANT');
  });
});
