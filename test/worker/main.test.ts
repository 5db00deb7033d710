/**
 * The worker process reads every group of its settings before it starts anything: five bad variables in four
 * groups stop it with one message that names all five, and it connects to nothing.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

describe('npm run worker', () => {
  it('names every bad variable in one message, before connecting anywhere', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        [join(ROOT, 'src', 'worker.ts')],
        {
          cwd: ROOT,
          timeout: 30_000,
          env: {
            PATH: process.env.PATH,
            TEMPORAL_ADDRESS: 'localhost', // no port
            WORKER_MAX_CONCURRENT_ACTIVITIES: 'many',
            AZURE_SUBSCRIPTION_ID: 'not-a-guid',
            ACI_BATCH_PAYLOAD_KEYS: 'k1:short',
            ACI_BATCH_JANITOR_INTERVAL: '5s',
          },
        },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid configuration:/m);
    for (const variable of [
      'TEMPORAL_ADDRESS',
      'WORKER_MAX_CONCURRENT_ACTIVITIES',
      'AZURE_SUBSCRIPTION_ID',
      'ACI_BATCH_PAYLOAD_KEYS',
      'ACI_BATCH_JANITOR_INTERVAL',
    ]) {
      expect(stderr).toMatch(new RegExp(`^ {2}${variable}: `, 'm'));
    }
    expect(stderr).not.toMatch(/connect|ECONNREFUSED/i);
  });
});
