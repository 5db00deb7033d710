/**
 * `npm start` as a user runs it, in a process group of its own like a terminal's foreground job, on a Temporal
 * data folder of its own: interrupted mid-job by Ctrl-C (SIGINT to the whole group) and by SIGTERM to the demo
 * process alone, it cancels its job, removes every container group, prints the cancelled summary, exits
 * non-zero and leaves no process; after a forced exit (Ctrl-C twice), the next run settles the job the first
 * left running and completes without a warning about it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../dev/temporal-server';
import { DEFAULT_NAMESPACE } from '../../src/config';
import type { JobSummary } from '../../src/shared/messages';
import { jobWorkflowId } from '../../src/shared/names';
import { freePort } from '../helpers/ports';
import { waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');

interface DemoRun {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
/** every process the demo starts inherits it: how the test finds what is left */
const marker = `demo-test-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'aci-batch-demo-'));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_DB_FILE: join(dataDir, 'dev.sqlite'),
    ACI_BATCH_TOOLS_DIR: join(ROOT, '.tools'),
    DEMO_TEST_MARKER: marker,
  };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function startDemo(...args: string[]): DemoRun {
  let output = '';
  const child = spawn('npm', ['start', ...(args.length ? ['--', ...args] : [])], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The demo's job id, once it has submitted and a run of it is working. */
async function midJob(run: DemoRun): Promise<string> {
  return waitFor(
    'the demo job to be running',
    () => {
      const jobId = /Submitted job (demo-\d{8}-\d{6})/.exec(run.output())?.[1];
      return jobId && /instance \d: Running \d+%/.test(run.output()) ? jobId : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100 },
  );
}

async function exitCode(run: DemoRun, timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  const code = await Promise.race([
    run.exited,
    new Promise<'late'>((r) => setTimeout(() => r('late'), timeoutMs)),
  ]);
  if (code === 'late') {
    process.kill(-run.child.pid!, 'SIGKILL');
    throw new Error(`npm start did not exit within ${timeoutMs} ms:\n${run.output()}`);
  }
  expect(Date.now() - started).toBeLessThan(timeoutMs);
  return code;
}

/** Processes started by the demo (they inherit the marker) or running its job's containers. */
function leftOverProcesses(jobId: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (environ.includes(marker) || environ.includes(`ACI_BATCH_JOB_ID=${jobId}\0`)) found.push(pid);
  }
  return found;
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
  } catch {
    return '(gone)';
  }
}

/** What Temporal keeps of a demo job: a dev server on the demo's own data folder, for the time of a look. */
async function jobInTemporal(jobId: string): Promise<{ summary: JobSummary; openRuns: string[] }> {
  const address = `127.0.0.1:${await freePort()}`;
  const server = await startDevServer({
    address,
    namespace: DEFAULT_NAMESPACE,
    uiPort: await freePort(),
    dbFile: env.TEMPORAL_DB_FILE!,
  });
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    const summary = (await client.workflow.getHandle(jobWorkflowId('demo', jobId)).result()) as JobSummary;
    const openRuns: string[] = [];
    for await (const run of client.workflow.list({
      query: `AciBatchJobId = "${jobId}" AND ExecutionStatus = "Running"`,
    })) {
      openRuns.push(run.workflowId);
    }
    return { summary, openRuns };
  } finally {
    await connection.close();
    await server.stop();
  }
}

async function expectCancelledAndClean(run: DemoRun, jobId: string): Promise<void> {
  const code = await exitCode(run, 30_000);
  const output = run.output();
  expect(code, output).not.toBe(0);
  expect(output, output).toMatch(new RegExp(`Job ${jobId}: Cancelled`));
  expect(output).toContain('Container groups left in the emulator: 0');
  await waitFor('no process of the demo to be left', () => leftOverProcesses(jobId).length === 0, {
    timeoutMs: 5_000,
  });
  const { summary, openRuns } = await jobInTemporal(jobId);
  expect(summary.outcome).toBe('Cancelled');
  expect(openRuns).toEqual([]);
}

describe('npm start', { timeout: 240_000 }, () => {
  it('Ctrl-C mid-job cancels the job, removes every group, exits non-zero and leaves nothing', async () => {
    const run = startDemo();
    const jobId = await midJob(run);
    process.kill(-run.child.pid!, 'SIGINT'); // a terminal sends it to the whole foreground process group
    await expectCancelledAndClean(run, jobId);
  });

  it('SIGTERM to the demo process alone does the same', async () => {
    const run = startDemo();
    const jobId = await midJob(run);
    // the innermost process of `npm start` → sh → tsx → node: the demo itself, as a process manager sees it
    const demo = readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid))
      .find((pid) => {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
          return cmdline.includes('dev/demo.ts') && cmdline.includes('preflight');
        } catch {
          return false;
        }
      });
    expect(demo, 'the demo process').toBeDefined();
    process.kill(Number(demo), 'SIGTERM');
    await expectCancelledAndClean(run, jobId);
  });

  it('Ctrl-C twice exits at once, saying what may be left', async () => {
    const run = startDemo();
    const jobId = await midJob(run);
    process.kill(-run.child.pid!, 'SIGINT');
    // one Ctrl-C reaches the demo more than once (relayed by npm and tsx) and counts once within a second of
    // when the demo saw it: the second comes a moment after that (a loaded machine may see the first late)
    await waitFor(
      'the first Ctrl-C to be seen',
      () => run.output().includes('Interrupted: cancelling') || undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await exitCode(run, 15_000)).not.toBe(0);
    expect(run.output()).toMatch(new RegExp(`Exiting at once\\.[\\s\\S]*Job ${jobId} may still be running`));
    // the processes it killed may take a few seconds to go on a busy machine
    await waitFor(
      'no process of the demo to be left',
      () => leftOverProcesses(jobId).length === 0 || undefined,
      { timeoutMs: 30_000 },
    ).catch((error: Error) => {
      const left = leftOverProcesses(jobId).map((pid) => `${pid}: ${commandLine(pid)}`);
      throw new Error(`${error.message}; left: ${left.join('; ')}`);
    });
  });

  it('after a run killed mid-job, the next run settles the job left running and completes without a warning', async () => {
    const first = startDemo();
    const staleJob = await midJob(first);
    // the harshest interruption (a closed terminal, a crash): everything it started dies at once, the job
    // stays open in the Temporal data folder
    for (const pid of leftOverProcesses(staleJob)) process.kill(Number(pid), 'SIGKILL');
    expect(await exitCode(first, 15_000)).not.toBe(0);

    const second = startDemo();
    const code = await exitCode(second, 120_000);
    const output = second.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/Completed \(4\/4 succeeded\)/);
    // where the logs and outputs went: every attempt's whole log (2,000 lines and more), and the file
    expect(output).toMatch(
      /Logs and outputs are kept in the storage account http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1:/,
    );
    expect(output).toMatch(
      /instance 2 attempt 1: aci-batch-logs\/demo\/demo-\d{8}-\d{6}\/2\/[0-9a-f-]{36}\/attempt-1\.log \(20\d\d lines\)/,
    );
    expect(output).toMatch(/instance 2 attempt 2: .*attempt-2\.log \(20\d\d lines\)/);
    expect(output).toMatch(
      /instance 3 output: results\/data\.bin \(4096 bytes, MD5 \S+\) in aci-batch-outputs/,
    );
    expect(output).toContain(
      `Settled what an interrupted earlier \`npm start\` left running: demo.${staleJob}`,
    );
    expect(output).not.toMatch(/WARN|ResourceNotFound|\n\s+at /);
    expect(leftOverProcesses(staleJob)).toEqual([]);
  });

  it("prints the console's address and a key that signs in; with --stay it serves the console until Ctrl-C", async () => {
    const run = startDemo('--stay');
    const { url, key } = await waitFor(
      'the demo to finish its job and stay up',
      () => {
        const output = run.output();
        const url = /Console: (http:\/\/127\.0\.0\.1:\d+\/console\/)/.exec(output)?.[1];
        const key = /sign in with the demo tenant's key: (\S{16,})/.exec(output)?.[1];
        if (!url || !key || !output.includes('The console stays up')) return undefined;
        return { url, key };
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(run.output()).toMatch(/Completed \(4\/4 succeeded\)/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const whoami = await fetch(new URL('/v1/whoami', url), { headers: { authorization: `Bearer ${key}` } });
    expect(await whoami.json()).toEqual({ tenant: 'demo' });

    process.kill(-run.child.pid!, 'SIGINT');
    const code = await exitCode(run, 30_000);
    // the demo exits 0; npm, which got the same Ctrl-C, may end by the signal (no code) as it re-raises it
    expect([0, null], run.output()).toContain(code);
    await waitFor('the demo to stop what it started', () =>
      run.output().includes('Stopped everything this command started.'),
    );
    expect(run.output()).not.toContain('Could not cancel');
    expect(run.output()).not.toContain('Exiting at once');
  });
});
