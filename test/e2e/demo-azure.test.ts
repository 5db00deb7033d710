/**
 * `npm start` runs the demo on the local ACI emulator only: with AZURE_SUBSCRIPTION_ID set it refuses with exit
 * code 2 before starting or connecting to anything, and says how to run jobs on Azure instead (worker, API with a
 * public callback URL, `aci-batch submit`).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

describe('npm start with AZURE_SUBSCRIPTION_ID set', () => {
  it('refuses with exit code 2 before starting anything, and points to how to run on Azure', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        [join(ROOT, 'dev', 'demo.ts')],
        {
          cwd: ROOT,
          timeout: 30_000,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
            // nothing answers here; a demo that went ahead would start a dev server on it
            TEMPORAL_ADDRESS: '127.0.0.1:1',
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/runs the demo on the local ACI emulator only: AZURE_SUBSCRIPTION_ID is set/);
    for (const pointer of [
      'npm run worker',
      'npm run api',
      'ACI_BATCH_CALLBACK_BASE_URL',
      'aci-batch submit',
    ]) {
      expect(stderr).toContain(pointer);
    }
    expect(stderr).toContain('Unset AZURE_SUBSCRIPTION_ID to run the demo here');
    expect(stdout).not.toMatch(/Starting|Using the Temporal server|Submitted job/);
  });
});
