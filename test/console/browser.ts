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
