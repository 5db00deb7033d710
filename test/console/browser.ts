/**
 * Headless Chromium for the browser tests (playwright-core driving Debian's chromium, found by
 * test/console/browser-setup.ts), and where their screenshots go.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { chromiumArgs } from '../../dev/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), headless: true, args: chromiumArgs() });
}

/** The same words, numbers and times on every machine: English, UTC. */
const STABLE = { locale: 'en-US', timezoneId: 'UTC' } as const;

/** A laptop's screen and a phone's. */
export const LAPTOP: BrowserContextOptions = { ...STABLE, viewport: { width: 1280, height: 860 } };
export const PHONE: BrowserContextOptions = {
  ...STABLE,
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/**
 * Screenshots of the main pages: into .data/screenshots by default (git-ignored), and into the README's
 * docs/screenshots with `npm run screenshots` (ACI_BATCH_SCREENSHOTS_DIR), which refreshes the committed ones.
 */
export function screenshotDir(): string {
  const dir = resolve(process.env.ACI_BATCH_SCREENSHOTS_DIR || join('.data', 'screenshots'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const path = join(screenshotDir(), `${name}.png`);
  await page.screenshot({ path, fullPage, animations: 'disabled' });
  return path;
}

/** Signs in with a tenant's API key on the console at `apiUrl`. */
export async function signIn(target: Page, apiUrl: string, key: string): Promise<void> {
  await target.goto(`${apiUrl}/`);
  await target.getByLabel('API key').fill(key);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByTestId('tenant').waitFor();
}

/** The job id of the job page the browser shows (#/jobs/<jobId>...). */
export function jobIdOf(target: Page): string {
  const match = /#\/jobs\/([^/?]+)/.exec(target.url());
  if (!match?.[1]) throw new Error(`not on a job page: ${target.url()}`);
  return decodeURIComponent(match[1]);
}

/** Follows a link of the console's navigation bar. */
export async function goTo(target: Page, name: 'Jobs' | 'Submit' | 'Cost' | 'Schedules'): Promise<void> {
  await target.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).click();
}

/** The middle of the grid cell at `position` (the canvas says its columns and cell pitch). */
export async function cellPosition(target: Page, position: number): Promise<{ x: number; y: number }> {
  const grid = target.getByTestId('instance-grid');
  const columns = Number(await grid.getAttribute('data-columns'));
  const pitch = Number(await grid.getAttribute('data-cell'));
  return {
    x: (position % columns) * pitch + pitch / 2 - 1,
    y: Math.floor(position / columns) * pitch + pitch / 2 - 1,
  };
}
