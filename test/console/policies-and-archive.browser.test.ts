/**
 * The console's parts for job policies, schedules and reruns (issue 18) and for the log archive and outputs
 * (issue 15), in a real browser against a real local stack (dev server, worker, ACI emulator, Azurite, API):
 * a job waiting for its dependency keeps updating, says what it waits for and is cancelled; another fails
 * when its dependency is cancelled and says why; a schedule is paused with a note, triggered, and its jobs are
 * listed; a partly failed job's log is followed while it runs (each read after the first from where the last
 * ended), its attempts are read one by one from the archive, an output is downloaded byte for byte, and its
 * failed instance is rerun, the rerun and the original linked both ways; where the API has no storage the log
 * tail is shown and no outputs.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page, Request, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { outputContent } from '../../examples/batch-job/config';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { cellPosition, goTo, jobIdOf, LAPTOP, launchChromium, screenshot, signIn } from './browser';

/**
 * A tenant of this file alone: the other browser file's tenant expects to start with no jobs, and `npm test`
 * runs every project on one dev server.
 */
const TENANT = `hooli-${randomBytes(3).toString('hex')}`;
const key = `${TENANT}-${randomBytes(16).toString('hex')}`;
const suffix = randomBytes(3).toString('hex');
let stack: LocalStack;
let browser: Browser;
let page: Page;
const schedules: string[] = [];

const SAMPLE = {
  image: 'acibatch.azurecr.io/samples/batch-job:1',
  cpu: 0.5,
  memoryGB: 0.5,
  env: { WORK_STEPS: '4', STEP_MS: '250' },
  timeLimit: '5m',
  monitorInterval: '1s',
};

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStack({
      temporalAddress: inject('temporalDevAddress'),
      namespace: DEFAULT_NAMESPACE,
      taskQueue: `console-more-${suffix}`,
      apiKeys: { [TENANT]: [key] },
      workflowBundle: workflowBundle(),
      pollIntervalMs: 100,
    }),
    launchChromium(),
  ]);
  expect(stack.storage, 'the local stack keeps logs and outputs (Azurite)').toBeDefined();
  page = await (await browser.newContext({ ...LAPTOP, acceptDownloads: true })).newPage();
  await signIn(page, stack.apiUrl, key);
});
afterAll(async () => {
  for (const name of schedules) await api('DELETE', `/v1/schedules/${name}`).catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function submit(spec: Record<string, unknown>): Promise<string> {
  const { status, body } = await api<{ jobId: string }>('POST', '/v1/jobs', spec);
  expect(status, JSON.stringify(body)).toBe(202);
  return body.jobId;
}

async function openJob(jobId: string, instance?: number): Promise<void> {
  await page.goto(
    `${stack.apiUrl}/console/#/jobs/${jobId}${instance === undefined ? '' : `/instances/${instance}`}`,
  );
}

const badge = (state: string) => page.locator('h1 .badge', { hasText: state });

describe('jobs that wait for others', () => {
  it('keeps a waiting job live, says what it waits for, cancels it, and says why another failed', async () => {
    const longRunning = parse(
      await readFile(join(__dirname, '..', '..', 'examples', 'specs', 'long-running.yaml'), 'utf8'),
    ) as Record<string, unknown>;
    const upstream = await submit({ ...longRunning, tenant: TENANT, jobId: `upstream-${suffix}` });
    const cancelled = await submit({
      ...SAMPLE,
      jobId: `waits-${suffix}`,
      instances: 2,
      dependsOn: { jobs: [upstream] },
    });
    const failing = await submit({
      ...SAMPLE,
      jobId: `fails-${suffix}`,
      instances: 2,
      dependsOn: { jobs: [upstream], condition: 'AllSucceeded' },
    });

    // the list filtered by Waiting: both, each saying what it waits for
    await page.goto(`${stack.apiUrl}/console/#/jobs?status=Waiting`);
    for (const jobId of [cancelled, failing]) {
      const row = page.locator(`tr[data-job-id="${jobId}"]`);
      await row.locator('.badge', { hasText: 'Waiting' }).waitFor({ timeout: 30_000 });
      await row.getByText(`waits for ${upstream}`).waitFor();
    }

    await openJob(cancelled);
    await badge('Waiting').waitFor();
    const waits = page.getByTestId('depends-on');
    expect(await waits.textContent()).toContain(upstream);
    expect(await waits.getByRole('link', { name: upstream }).getAttribute('href')).toBe(`#/jobs/${upstream}`);
    expect(await page.getByRole('button', { name: 'Rerun failed instances' }).count()).toBe(0);
    await screenshot(page, 'job-waiting');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('none of its instances will start').waitFor();
    await dialog.getByRole('button', { name: 'Cancel the job' }).click();
    await badge('Cancelled').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);

    // the other one's page, open while its dependency is cancelled: it follows, and says why it failed
    await openJob(failing);
    await badge('Waiting').waitFor();
    expect((await api('POST', `/v1/jobs/${upstream}/cancel`)).status).toBe(202);
    await badge('Failed').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('job-reason').textContent()).toMatch(
      new RegExp(`dependency ${TENANT}/${upstream} ended Cancelled.*AllSucceeded`),
    );
    expect(await page.getByTestId('depends-on').count()).toBe(0);
  });
});

describe('schedules', () => {
  it('pauses a schedule with a note, triggers it, and lists its jobs', async () => {
    const name = `console-${suffix}`;
    const created = await api('POST', '/v1/schedules', {
      name,
      cron: '0 2 * * *',
      timeZone: 'UTC',
      job: { ...SAMPLE, instances: 1 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    schedules.push(name);

    await goTo(page, 'Schedules');
    const row = page.locator(`tr[data-schedule="${name}"]`);
    await row.locator('.badge', { hasText: 'Active' }).waitFor();

    await row.getByRole('button', { name: `Pause ${name}` }).click();
    const pause = page.getByRole('dialog');
    await pause.getByLabel('Note (optional)').fill('paused for the migration');
    await pause.getByRole('button', { name: 'Pause', exact: true }).click();
    await row.locator('.badge', { hasText: 'Paused' }).waitFor();
    await row.getByText('paused for the migration').waitFor();
    const described = await api<{ paused: boolean; note?: string }>('GET', `/v1/schedules/${name}`);
    expect(described.body).toMatchObject({ paused: true, note: 'paused for the migration' });

    await row.getByRole('button', { name: `Trigger ${name} now` }).click();
    await page.getByRole('dialog').getByText('though the schedule is paused').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Run now' }).click();
    await page.getByTestId('schedule-done').getByText('was triggered').waitFor();
    await screenshot(page, 'schedules');

    await row.getByRole('link', { name: 'Its jobs' }).click();
    await page.waitForURL(new RegExp(`#/jobs\\?schedule=${name}$`));
    expect(await page.getByLabel('Schedule').inputValue()).toBe(name);
    await page.getByTestId('schedule-filter').waitFor();
    // visibility lists the job within seconds; the list polls
    const jobRow = page.locator(`tr[data-job-id^="${name}-"]`);
    await jobRow.locator('.badge', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('tr[data-job-id]').count()).toBe(1);
    await jobRow.getByRole('link').first().click();
    await page.getByTestId('job-schedule').getByRole('link', { name }).waitFor();

    // resumed, with a note of its own
    await goTo(page, 'Schedules');
    await row.getByRole('button', { name: `Resume ${name}` }).click();
    await page.getByRole('dialog').getByLabel('Note (optional)').fill('migration done');
    await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
    await row.locator('.badge', { hasText: 'Active' }).waitFor();
    expect((await api('GET', `/v1/schedules/${name}`)).body).toMatchObject({
      paused: false,
      note: 'migration done',
    });
  });
});

describe('logs, outputs and reruns', () => {
  /** a job whose instance 0 uploads an output, 1 fails once and then succeeds, 2 fails every attempt */
  let jobId: string;
  const OUTPUT = { name: 'results/summary.csv', bytes: 2048 };
  const LINES = 40;

  it('follows a running instance’s archived log from where each read ended, until it is sealed', async () => {
    jobId = await submit({
      ...SAMPLE,
      jobId: `partly-${suffix}`,
      instances: [
        { env: { OUTPUT_FILES: `${OUTPUT.name}:${OUTPUT.bytes}` } },
        {
          // each attempt writes its lines over 4 s, then works 2 s: long enough to be followed as it runs
          env: {
            FAIL_ON_ATTEMPTS: '1',
            LOG_LINES: String(LINES),
            LOG_BURST: '4',
            LOG_PAUSE_MS: '400',
            WORK_STEPS: '8',
          },
        },
        { env: { FAIL_ON_ATTEMPTS: '1,2' } },
      ],
      onFailure: { action: 'restart', maxRestarts: 1, backoff: '1s' },
    });
    const reads: URL[] = [];
    const answers: Array<{ url: URL; status: number; attempt?: number; bytes: number }> = [];
    const isLogRead = (url: string) => url.includes(`/v1/jobs/${jobId}/instances/1/logs`);
    const onRequest = (request: Request) => {
      if (isLogRead(request.url())) reads.push(new URL(request.url()));
    };
    const onResponse = (response: Response) => {
      if (!isLogRead(response.url())) return;
      const headers = response.headers();
      answers.push({
        url: new URL(response.url()),
        status: response.status(),
        attempt: headers['x-aci-batch-attempt'] ? Number(headers['x-aci-batch-attempt']) : undefined,
        bytes: Number(headers['x-aci-batch-log-bytes'] ?? 0),
      });
    };
    page.on('request', onRequest);
    page.on('response', onResponse);
    try {
      await openJob(jobId, 1);
      const panel = page.getByTestId('instance-panel');
      await panel.getByText('followed as it grows').waitFor({ timeout: 60_000 });
      await badge('PartiallyFailed').waitFor({ timeout: 120_000 });
      await panel.getByTestId('instance-phase').getByText('Succeeded').waitFor();
      await panel.getByTestId('log-source').getByText('attempt 2 of 2').waitFor();
      await panel.getByTestId('log-source').getByText('complete').waitFor();

      const log = (await panel.getByTestId('instance-log').textContent()) ?? '';
      for (let n = 1; n <= LINES; n++) {
        const line = `attempt 2 line ${String(n).padStart(6, '0')}`;
        expect(
          log.split('\n').filter((text) => text === line),
          line,
        ).toHaveLength(1);
      }
      expect(log).toContain('completed');
      // after the first read of an attempt, each read asks only for what came after the last one
      const continued = reads.filter((url) => Number(url.searchParams.get('offset')) > 0);
      expect(continued.length, reads.map((url) => url.search).join(' ')).toBeGreaterThan(0);
      // no attempt is read whole again once a read has returned some of it
      const started = new Set<number>();
      for (const answer of answers.filter((entry) => entry.status === 200 && entry.attempt !== undefined)) {
        const attempt = answer.attempt!;
        if (started.has(attempt)) expect(answer.url.searchParams.has('offset'), answer.url.search).toBe(true);
        if (answer.bytes > 0) started.add(attempt);
      }
      expect(started.has(2)).toBe(true);
      // sealed and ended: no more reads
      const before = reads.length;
      await page.waitForTimeout(4000);
      expect(reads.length).toBe(before);
    } finally {
      page.off('request', onRequest);
      page.off('response', onResponse);
    }
  });

  it('reads each attempt of an ended instance from the archive', async () => {
    const panel = page.getByTestId('instance-panel');
    await page.getByLabel('Attempt').selectOption('1');
    await panel.locator('[data-testid="instance-log"][data-attempt="1"]').waitFor();
    const first = (await panel.getByTestId('instance-log').textContent()) ?? '';
    expect(first).toContain('attempt 1 line 000001');
    expect(first).toContain('told to fail on attempt 1');
    expect(first).not.toContain('attempt 2 line');
    expect(await panel.getByTestId('log-source').textContent()).toContain('attempt 1 of 2');
    await screenshot(page, 'job-attempts', true);

    await page.getByLabel('Attempt').selectOption('latest');
    await panel.locator('[data-testid="instance-log"][data-attempt="2"]').waitFor();
  });

  it('lists an instance’s outputs and downloads one byte for byte', async () => {
    await openJob(jobId, 0);
    const outputs = page.getByTestId('outputs');
    const file = outputs.getByRole('button', { name: `Download ${OUTPUT.name}` });
    await file.waitFor();
    expect(await outputs.textContent()).toContain('2,048 bytes');
    const [download] = await Promise.all([page.waitForEvent('download'), file.click()]);
    expect(download.suggestedFilename()).toBe('summary.csv');
    const saved = await readFile(await download.path());
    expect(saved.equals(outputContent(OUTPUT.name, OUTPUT.bytes))).toBe(true);
  });

  it('shows the log tail and no outputs where the API keeps no storage', async () => {
    const noStorage = {
      status: 404,
      json: { error: { code: 'StorageNotConfigured', message: 'no storage account configured' } },
    };
    const pattern = `**/v1/jobs/${jobId}/instances/0/{logs,outputs}**`;
    await page.route(pattern, (route) => route.fulfill(noStorage));
    try {
      await page.reload();
      const panel = page.getByTestId('instance-panel');
      await panel.getByTestId('log-source').getByText('kept when the instance ended').waitFor();
      expect(await panel.getByTestId('instance-log').textContent()).toContain('completed');
      expect(await page.getByTestId('outputs').count()).toBe(0);
    } finally {
      await page.unroute(pattern);
    }
  });

  it('reruns the failed instance under its own number, and links the rerun and the original', async () => {
    await openJob(jobId, 2);
    await page.getByTestId('instance-panel').getByTestId('instance-phase').getByText('Failed').waitFor();
    await page.getByRole('button', { name: 'Rerun failed instances' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: `Rerun 1 instance(s) of ${jobId}?` }).waitFor();
    await dialog.getByRole('button', { name: 'Start the rerun' }).click();
    await page.waitForURL(new RegExp(`#/jobs/${jobId}-rerun-1$`));
    const rerun = jobIdOf(page);

    await page.getByTestId('rerun-of').getByRole('link', { name: jobId }).waitFor();
    // one instance, numbered 2 as in the original
    await page.locator('#grid-cursor', { hasText: /^Instance 2: / }).waitFor();
    await page.getByTestId('instance-grid').click({ position: await cellPosition(page, 0) });
    await page.getByTestId('instance-panel').getByRole('heading', { name: 'Instance 2' }).waitFor();
    expect(page.url()).toMatch(/\/instances\/2$/);
    await badge('Failed').waitFor({ timeout: 120_000 });

    // the original lists its rerun (visibility may take a moment to know it)
    await page.getByTestId('rerun-of').getByRole('link', { name: jobId }).click();
    await page.waitForURL(new RegExp(`#/jobs/${jobId}$`));
    const listed = await waitFor(
      'the original to list its rerun',
      async () => {
        const link = page.getByTestId('reruns').getByRole('link', { name: rerun });
        if ((await link.count()) > 0) return link;
        await page.reload();
        await badge('PartiallyFailed').waitFor();
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(await listed.getAttribute('href')).toBe(`#/jobs/${rerun}`);
  });
});
