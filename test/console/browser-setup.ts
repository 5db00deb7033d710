/**
 * Global setup of the browser project: the console is built when it is older than its sources, and the
 * Chromium to drive is found (or the run stops at once, saying how to install it).
 */
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { findChromium, INSTALL_HINT } from '../../dev/chromium';
import { ensureConsoleBuilt } from '../../dev/console-build';

export default async function setup(project: TestProject): Promise<void> {
  const chromium = findChromium();
  if (!chromium) throw new Error(`The browser tests need Chromium. ${INSTALL_HINT}`);
  await ensureConsoleBuilt((line) => console.log(line));
  project.provide('chromiumPath', chromium);
}

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string;
  }
}
