/**
 * Chaos 2: the Temporal server itself (its own dev server, persisted in a SQLite file) is killed with SIGKILL
 * while every container works, and started again on the same port and file a few seconds later. The worker and
 * the API reconnect, the containers' callbacks retry through the outage, and every job finishes right.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../../src/config';
import type { LocalStack } from '../../../dev/local-stack';
import { startDevServer, type DevServer, type DevServerOptions } from '../../../dev/temporal-server';
import { freePort } from '../../helpers/ports';
import { waitFor } from '../../helpers/wait';
import { runProgress, sampleJobSpec, submitJobs, succeeded, uniqueJobId, type ChaosJob } from '../jobs';
import { CHAOS_WAIT, concludeScenario, startChaosStack } from '../scenario-kit';
import type { ChaosTally } from '../tally';

const WORK = { WORK_STEPS: '10', STEP_MS: '500' };
const OUTAGE_MS = 3_000;

export function serverRestartScenario(tally: ChaosTally): void {
  describe('chaos: the Temporal server is killed and started again mid-job', () => {
    let dataDir: string | undefined;
    let serverOptions: DevServerOptions;
    let server: DevServer | undefined;
    let stack: LocalStack;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'aci-batch-chaos-server-'));
      serverOptions = {
        address: `127.0.0.1:${await freePort()}`,
        namespace: DEFAULT_NAMESPACE,
        uiPort: await freePort(),
        dbFile: join(dataDir, 'temporal.sqlite'),
      };
      server = await startDevServer(serverOptions);
      stack = await startChaosStack({ scenario: 'server-restart', temporalAddress: serverOptions.address });
    });
    afterAll(async () => {
      await stack?.stop();
      await server?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    async function killServer(): Promise<void> {
      const child = server!.process;
      server = undefined;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }

    it('finishes every job right after the server comes back, and leaves no group', async () => {
      const jobs: ChaosJob[] = ['server-a', 'server-b'].map((label, jobIndex) => {
        const jobId = uniqueJobId(label);
        const failsOnce = jobIndex === 1;
        return {
          jobId,
          spec: sampleJobSpec(jobId, {
            instances: [WORK, failsOnce ? { ...WORK, FAIL_ON_ATTEMPTS: '1' } : WORK],
          }),
          expected: [succeeded(), succeeded(failsOnce ? 2 : 1)],
        };
      });
      const started = await submitJobs(stack.jobs, jobs);
      await waitFor(
        'every run to be working',
        async () => {
          const views = await Promise.all(
            jobs.flatMap((job) =>
              job.expected.map((_, index) => runProgress(stack.client, job.jobId, index)),
            ),
          );
          return views.every((view) => view?.phase === 'Running' && view.attempt === 1);
        },
        CHAOS_WAIT,
      );

      await killServer();
      await sleep(OUTAGE_MS);
      server = await startDevServer(serverOptions);

      await concludeScenario({
        tally,
        scenario: 'Temporal server SIGKILL + restart',
        jobs,
        started,
        emulator: stack.emulator!,
        timeoutMs: 90_000,
        faults: () => ({
          count: 1,
          detail: `1 server SIGKILL, ${OUTAGE_MS / 1000}s outage, restart on the same SQLite file`,
        }),
      });
    });
  });
}
