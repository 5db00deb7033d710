/**
 * The tenant console in a real browser (headless Chromium through playwright-core) against a real local stack:
 * the dev server, the worker, the ACI emulator running the sample job, and the API serving the built console.
 * A tenant signs in, submits the sample job from the editor, watches it complete, opens an instance's log,
 * sees the cost chart, cancels a job; another tenant's key sees none of it; a bad spec shows its field errors
 * as the API names them; the grid stays light at 10,000 instances; the pages fit a phone. The main pages are
 * captured as screenshots (./browser.ts says where).
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { DEFAULT_NAMESPACE } from '../../src/config';
import type { JobStatus } from '../../src/shared/messages';
import {
  cellPosition,
  goTo,
  jobIdOf,
  LAPTOP,
  launchChromium,
  PHONE,
  screenshot,
  signIn as signInAt,
} from './browser';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

/**
 * Tenants of this file alone: \`npm test\` runs every project on one dev server, where other files' jobs of
 * tenants named acme or globex are listed too (the console lists a tenant's jobs from Temporal's visibility).
 */
const ACME = `acme-${randomBytes(3).toString('hex')}`;
const GLOBEX = `globex-${randomBytes(3).toString('hex')}`;

const keys = {
  acme: `acme-${randomBytes(16).toString('hex')}`,
  globex: `globex-${randomBytes(16).toString('hex')}`,
};
let stack: LocalStack;
let browser: Browser;
let acme: BrowserContext;
let page: Page;
/** the sample job acme submits from the editor, and the job it cancels */
let sampleJobId: string;
let cancelledJobId: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStack({
      temporalAddress: inject('temporalDevAddress'),
      namespace: DEFAULT_NAMESPACE,
      taskQueue: `console-${randomBytes(4).toString('hex')}`,
      apiKeys: { [ACME]: [keys.acme], [GLOBEX]: [keys.globex] },
      workflowBundle: workflowBundle(),
      pollIntervalMs: 100,
    }),
    launchChromium(),
  ]);
  acme = await browser.newContext(LAPTOP);
  page = await acme.newPage();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signIn(target: Page, key: string): Promise<void> {
  await signInAt(target, stack.apiUrl, key);
}

async function submitExample(name: string): Promise<string> {
  await goTo(page, 'Submit');
  await page.getByLabel('Start from an example').selectOption(name);
  await page.getByRole('button', { name: 'Load example' }).click();
  await page.getByTestId('spec-ok').waitFor();
  await page.getByRole('button', { name: 'Submit job' }).click();
  await page.waitForURL(/#\/jobs\/[^/]+$/);
  return jobIdOf(page);
}

/**
 * `shown` is `value` in dollars, rounded to the digits shown, and a non-zero value is not shown as zero (a
 * sample job costs a fraction of a cent). Read apart from the console's own formatting.
 */
function expectDollars(shown: string | null, value: number): void {
  const match = /^\$(\d+)\.(\d+)$/.exec(shown ?? '');
  expect(match, `not an amount in dollars: ${shown}`).not.toBeNull();
  const decimals = match![2]!.length;
  expect(Math.abs(Number(`${match![1]}.${match![2]}`) - value)).toBeLessThanOrEqual(
    0.5 * 10 ** -decimals + 1e-12,
  );
  if (value > 0) expect(Number(`${match![1]}.${match![2]}`), shown!).toBeGreaterThan(0);
}

async function apiGet<T>(path: string, key: string): Promise<T> {
  const response = await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return (await response.json()) as T;
}

describe('the tenant console', () => {
  it('signs in with the tenant key and keeps it in this tab only', async () => {
    await page.goto(`${stack.apiUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByLabel('API key').waitFor();
    await screenshot(page, 'sign-in');

    await page.getByLabel('API key').fill('not-a-key-of-anyone');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();

    await signIn(page, keys.acme);
    expect(await page.getByTestId('tenant').textContent()).toContain(ACME);
    await page.getByTestId('no-jobs').waitFor();
    const storage = await page.evaluate(() => ({
      session: JSON.stringify(sessionStorage),
      local: localStorage.length,
      cookies: document.cookie,
    }));
    expect(storage.session).toContain(keys.acme);
    expect(storage.local).toBe(0);
    expect(storage.cookies).toBe('');
    expect(page.url()).not.toContain(keys.acme);
  });

  it('submits the sample job from the editor and shows it live until it completes', async () => {
    sampleJobId = await submitExample('sample-batch-job.yaml');
    await page.getByTestId('instance-grid').waitFor();
    await page.locator('h1 .badge', { hasText: 'Completed' }).waitFor({ timeout: 90_000 });
    expect(await page.getByLabel('Instances by phase').textContent()).toContain('3 succeeded');
    expect(await page.getByTestId('job-cost').textContent()).toMatch(/^\$\d/);
  });

  it("opens an instance's details and log from the grid, by mouse and by keyboard", async () => {
    await page.getByTestId('instance-grid').click({ position: await cellPosition(page, 1) });
    const panel = page.getByTestId('instance-panel');
    await panel.getByRole('heading', { name: 'Instance 1' }).waitFor();
    await panel.getByTestId('instance-log').waitFor();
    expect(await panel.getByTestId('instance-phase').textContent()).toBe('Succeeded');
    expect(await panel.getByTestId('instance-exit-code').textContent()).toBe('0');
    const log = await panel.getByTestId('instance-log').textContent();
    expect(log).toContain('step 4/4 done');
    expect(log).toContain('completed');
    await screenshot(page, 'job', true);

    // the grid by keyboard: focus it, one to the right, Enter opens instance 2
    await page.getByTestId('instance-grid').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('#grid-cursor').textContent()).toContain('Instance 2: succeeded');
    await page.keyboard.press('Enter');
    await panel.getByRole('heading', { name: 'Instance 2' }).waitFor();
    expect(page.url()).toMatch(/\/instances\/2$/);

    // or by its number: the picker starts at the open instance
    const picker = page.getByLabel('Instance', { exact: true });
    expect(await picker.inputValue()).toBe('2');
    await picker.fill('0');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await panel.getByRole('heading', { name: 'Instance 0' }).waitFor();
    expect(page.url()).toMatch(/\/instances\/0$/);
  });

  it('cancels a running job after asking for confirmation', async () => {
    const jobId = await submitExample('long-running.yaml');
    await page.locator('h1 .badge', { hasText: 'Running' }).waitFor();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('container group is removed').waitFor();
    await dialog.getByRole('button', { name: 'Cancel the job' }).click();
    await page.locator('h1 .badge', { hasText: 'Cancelled' }).waitFor({ timeout: 60_000 });
    expect(jobIdOf(page)).toBe(jobId);
    cancelledJobId = jobId;
    expect(stack.emulator?.groups()).toEqual([]);
  });

  it('lists the jobs with their status, counts by phase and cost, filtered by status', async () => {
    await goTo(page, 'Jobs');
    const row = page.locator(`tr[data-job-id="${sampleJobId}"]`);
    await row.locator('.badge', { hasText: 'Completed' }).waitFor();
    await row.getByText('3 succeeded').waitFor();
    expect(await row.locator('td[data-label="Cost"]').textContent()).toMatch(/^\$\d/);
    await page.locator('tr[data-job-id] .badge', { hasText: 'Cancelled' }).waitFor();
    await screenshot(page, 'jobs');

    await page.getByLabel('Status').selectOption('Cancelled');
    await page.waitForURL(/status=Cancelled/);
    // the list empties while the filtered page loads: wait for the new rows, then they are the cancelled job's
    const rows = await waitFor('the filtered list', async () => {
      const ids = await page
        .locator('tr[data-job-id]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-job-id')));
      return ids.length > 0 && !ids.includes(sampleJobId) && ids;
    });
    expect(rows).toEqual([cancelledJobId]);
  });

  it("shows the tenant's cost per day and per job, with the API's totals", async () => {
    const cost = await apiGet<{ costUsd: number; jobs: Array<{ jobId: string }> }>('/v1/cost', keys.acme);
    expect(cost.jobs.map((job) => job.jobId)).toContain(sampleJobId);
    expect(cost.costUsd).toBeGreaterThan(0);

    await goTo(page, 'Cost');
    await page.getByTestId('cost-totals').waitFor();
    expectDollars(await page.getByTestId('cost-total').textContent(), cost.costUsd);
    await page.getByTestId('cost-jobs').getByRole('link', { name: sampleJobId }).waitFor();
    // Chart.js drew bars: the canvas is not blank
    for (const chart of ['cost-per-day', 'cost-per-job']) {
      const painted = await page.getByTestId(chart).evaluate((canvas: HTMLCanvasElement) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
        return count;
      });
      expect(painted, chart).toBeGreaterThan(100);
    }
    await screenshot(page, 'cost', true);
  });

  it("shows another tenant none of the first tenant's jobs", async () => {
    const globex = await browser.newContext(LAPTOP);
    try {
      const other = await globex.newPage();
      await signIn(other, keys.globex);
      expect(await other.getByTestId('tenant').textContent()).toContain(GLOBEX);
      await other.getByTestId('no-jobs').waitFor();

      await other.goto(`${stack.apiUrl}/console/#/jobs/${sampleJobId}`);
      await other.getByRole('heading', { name: 'No such job' }).waitFor();
      await other.goto(`${stack.apiUrl}/console/#/jobs/${sampleJobId}/instances/0`);
      await other.getByRole('heading', { name: 'No such job' }).waitFor();
      expect(await other.getByTestId('instance-panel').count()).toBe(0);
      const instance = await fetch(`${stack.apiUrl}/v1/jobs/${sampleJobId}/instances/0`, {
        headers: { authorization: `Bearer ${keys.globex}` },
      });
      expect(instance.status).toBe(404);

      await goTo(other, 'Cost');
      await other.getByTestId('cost-totals').waitFor();
      expect(await other.getByTestId('cost-total').textContent()).toBe('$0.00');
      expect(await other.getByText(sampleJobId).count()).toBe(0);
    } finally {
      await globex.close();
    }
  });

  it('shows a bad spec’s field errors, as the API names them, and does not submit it', async () => {
    const spec = [
      'image: acibatch.azurecr.io/samples/batch-job:1',
      'cpu: 99',
      'instances: 0',
      'ports: [20008]',
      'colour: blue',
    ].join('\n');
    await goTo(page, 'Submit');
    await page.getByLabel('Job spec (YAML or JSON)').fill(spec);
    const problems = page.getByTestId('spec-problems').locator('li');
    await problems.first().waitFor();
    const shown = await problems.evaluateAll((items) =>
      items.map((item) => ({
        path: item.querySelector('code')!.textContent,
        message: item.lastElementChild!.textContent,
        text: item.textContent,
      })),
    );
    expect(shown.find((problem) => problem.path === 'cpu')?.text).toContain('(line 2)');
    expect(await page.getByRole('button', { name: 'Submit job' }).isDisabled()).toBe(true);
    await screenshot(page, 'submit-errors');

    // the same spec sent to the API: the same problems, word for word
    const response = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.acme}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        image: 'acibatch.azurecr.io/samples/batch-job:1',
        cpu: 99,
        instances: 0,
        ports: [20008],
        colour: 'blue',
      }),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as {
      error: { details: Array<{ path: string; message: string }> };
    };
    expect(shown.map(({ path, message }) => ({ path, message }))).toEqual(error.details);
    expect(error.details.map((detail) => detail.path)).toEqual(
      expect.arrayContaining(['cpu', 'instances', 'ports.0', '(spec)']),
    );
  });

  it('keeps the instance grid light and usable at 10,000 instances', async () => {
    // The grid is the part that must scale: a status of 10,000 instances is made up here (a real job that size
    // would take the emulator many minutes) and answered in place of the API's, for this one job id only.
    const jobId = 'grid-10000';
    const status = syntheticStatus(jobId, 10_000);
    await page.route(`**/v1/jobs/${jobId}`, (route) =>
      route.fulfill({ json: { tenant: ACME, jobId, state: 'Running', status } }),
    );
    await page.goto(`${stack.apiUrl}/console/#/jobs/${jobId}`);
    await page.getByTestId('instance-grid').waitFor();
    expect(await page.getByLabel('Instances by phase').textContent()).toContain('6,000 pending');
    await page.getByTestId('queue').getByText('300 queued').waitFor();
    // one canvas, not ten thousand elements
    expect(await page.evaluate(() => document.querySelectorAll('*').length)).toBeLessThan(600);
    await screenshot(page, 'grid-10000');

    await page.getByTestId('instance-grid').focus();
    await page.keyboard.press('End');
    expect(await page.locator('#grid-cursor').textContent()).toContain('Instance 9999: pending');
    await page.keyboard.press('Enter');
    await page.getByTestId('instance-panel').getByRole('heading', { name: 'Instance 9999' }).waitFor();
    await page.getByTestId('instance-grid').click({ position: await cellPosition(page, 3100) });
    expect(await page.locator('#grid-cursor').textContent()).toMatch(/Instance 3100: running, \d+%/);
    await page.unroute(`**/v1/jobs/${jobId}`);
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext(PHONE);
    try {
      const small = await phone.newPage();
      await signIn(small, keys.acme);
      await small.locator(`tr[data-job-id="${sampleJobId}"]`).waitFor();
      const fits = () => small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(await fits()).toBe(true);
      await screenshot(small, 'phone-jobs');
      await small.goto(`${stack.apiUrl}/console/#/jobs/${sampleJobId}/instances/0`);
      await small.getByTestId('instance-log').waitFor();
      expect(await fits()).toBe(true);
      await screenshot(small, 'phone-job', true);
    } finally {
      await phone.close();
    }
  });
});

/** A running job's status with 10,000 instances: done, failed, running, queued for capacity and pending. */
function syntheticStatus(jobId: string, total: number): JobStatus {
  const instances: JobStatus['instances'] = [];
  for (let index = 0; index < total; index++) {
    if (index < 3000) instances.push({ index, phase: 'Succeeded', exitCode: 0 });
    else if (index < 3050) instances.push({ index, phase: 'Failed', exitCode: 1 });
    else if (index < 3700) instances.push({ index, phase: 'Running', percent: index % 100 });
    else if (index < 4000) {
      instances.push({
        index,
        phase: 'Queued',
        queuePosition: index - 3699,
        estimatedStartAt: new Date(Date.now() + (index - 3699) * 1000).toISOString(),
      });
    } else instances.push({ index, phase: 'Pending' });
  }
  return {
    tenant: ACME,
    jobId,
    state: 'Running',
    total,
    counts: {
      pending: 6000,
      queued: 300,
      running: 650,
      Succeeded: 3000,
      Failed: 50,
      TimedOut: 0,
      Cancelled: 0,
    },
    percent: 33,
    instances,
  };
}
