/** scripts/emulator.ts: starts, serves the SDK with the CA it wrote, and stops on SIGTERM killing its processes. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { emulatorCredential } from '../../src/azure/client';
import { PROJECT_ROOT } from '../../dev/emulator/images';
import { waitFor } from '../helpers/wait';
import { FAST, RG, RUN_FOREVER, SUBSCRIPTION, isAlive, nodeGroup } from './helpers';

describe('npm run emulator', () => {
  it('serves the SDK and stops cleanly on SIGTERM, killing its container processes', async () => {
    const caFile = join(mkdtempSync(join(tmpdir(), 'aci-emulator-')), 'ca.pem');
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ACI_EMULATOR_PORT: '0', ACI_EMULATOR_CA_FILE: caFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    // 'close', not 'exit': it comes after the child's stdout and stderr have been read to the end
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    /** A whole line `  NAME=value` of the output (undefined until its newline has arrived). */
    const setting = (name: string) => new RegExp(`^\\s*${name}=(.*?)\\r?\\n`, 'm').exec(output)?.[1];
    try {
      // stdout arrives in chunks that may split anywhere: wait for every line checked below
      const { endpoint, ca } = await waitFor(
        'the endpoint and CA lines',
        () => {
          const endpoint = setting('ACI_EMULATOR_ENDPOINT');
          const ca = setting('ACI_EMULATOR_CA_FILE');
          return endpoint !== undefined && ca !== undefined && { endpoint, ca };
        },
        { timeoutMs: 15_000 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the emulator printed:\n${output}`);
      });
      expect(endpoint).toMatch(/^https:\/\/\S+$/);
      expect(ca).toBe(caFile);
      const client = new ContainerInstanceManagementClient(emulatorCredential, SUBSCRIPTION, {
        endpoint,
        tlsOptions: { ca: readFileSync(caFile, 'utf8') },
      });
      await client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'standalone',
        nodeGroup(`console.log('pid=' + process.pid); ${RUN_FOREVER}`),
        FAST,
      );
      const pid = await waitFor('the container pid', async () => {
        const { content } = await client.containers.listLogs(RG, 'standalone', 'main');
        const match = /pid=(\d+)/.exec(content ?? '');
        return match ? Number(match[1]) : undefined;
      });
      expect(isAlive(pid)).toBe(true);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('ACI emulator stopped');
      expect(isAlive(pid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
