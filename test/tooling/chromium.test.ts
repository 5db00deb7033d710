/** Finding the browser tests' Chromium (dev/chromium.ts) and its flags for a closed network. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chromiumArgs, findChromium } from '../../dev/chromium';

describe('findChromium', () => {
  it('takes CHROMIUM_PATH when it exists, and nothing else when it does not', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
    expect(findChromium({ CHROMIUM_PATH: '/nowhere/chromium' })).toBeUndefined();
  });

  it('says what to do when CHROMIUM_PATH names nothing (npm run browser:install)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/install-browser.ts'], {
      env: { ...process.env, CHROMIUM_PATH: '/nowhere/chromium' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/does not exist[\s\S]*apt-get install chromium/);
  });
});

describe('chromiumArgs', () => {
  it('keeps Chromium off the network and drops the sandbox only as root', () => {
    expect(chromiumArgs(false)).toEqual(
      expect.arrayContaining(['--disable-background-networking', '--disable-component-update']),
    );
    expect(chromiumArgs(false)).not.toContain('--no-sandbox');
    expect(chromiumArgs(true)).toContain('--no-sandbox');
  });
});
