/**
 * Chaos 2: the Temporal server itself (its own dev server, persisted in a SQLite file) is killed with SIGKILL
 * while every container works, and started again on the same port and file a few seconds later. The worker and
 * the API reconnect, and every job finishes right. The containers report through a recording relay in front of
 * the API (callback-recorder.ts), so the test sees the retries themselves: reports the API refused with 503 +
 * Retry-After while the server was away, each sent again with the same report id no sooner than Retry-After asked
 * and then accepted.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../../src/config';
import type { LocalStack } from '../../../dev/local-stack';
import { startDevServer, type DevServer, type DevServerOptions } from '../../../dev/temporal-server';
import { freePort } from '../../helpers/ports';
import { waitFor } from '../../helpers/wait';
import {
  refusedCallbacks,
  startCallbackRecorder,
  type CallbackRecorder,
  type RefusedCallback,
} from '../callback-recorder';
import { runProgress, sampleJobSpec, submitJobs, succeeded, uniqueJobId, type ChaosJob } from '../jobs';
import { CHAOS_WAIT, concludeScenario, startChaosStack } from '../scenario-kit';
import type { ChaosTally } from '../tally';

const WORK = { WORK_STEPS: '10', STEP_MS: '500' };
const OUTAGE_MS = 3_000;
/** What the API asks for in Retry-After while Temporal is away (src/api/server.ts). */
const API_RETRY_AFTER_S = 5;

export function serverRestartScenario(tally: ChaosTally): void {
  describe('chaos: the Temporal server is killed and started again mid-job', () => {
    let dataDir: string | undefined;
    let serverOptions: DevServerOptions;
    let server: DevServer | undefined;
    let stack: LocalStack;
    let recorder: CallbackRecorder | undefined;

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
      // the containers of the jobs submitted from now on report through the relay
      recorder = await startCallbackRecorder(stack.apiUrl);
      stack.jobSettings.callbackBaseUrl = `${recorder.url}/v1`;
    });
    afterAll(async () => {
      await stack?.stop();
      await recorder?.close();
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
      // the kill lands while every container works and reports: each run has had a progress report (one step
      // of ten done), so its container still has seconds of work, and reports to send, when the server goes away
      await waitFor(
        'every container to be working and reporting progress',
        async () => {
          const views = await Promise.all(
            jobs.flatMap((job) =>
              job.expected.map((_, index) => runProgress(stack.client, job.jobId, index)),
            ),
          );
          return views.every(
            (view) => view?.phase === 'Running' && view.attempt === 1 && (view.percent ?? 0) > 0,
          );
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
          detail:
            `1 server SIGKILL, ${OUTAGE_MS / 1000}s outage, restart on the same SQLite file; ` +
            describeRetries(refusedCallbacks(recorder!.callbacks)),
        }),
      });

      // the callbacks retried through the outage: reports were refused while the server was away, and every
      // refused callback was sent again (a report with the same report id) no sooner than the Retry-After the API
      // asked for, and then accepted
      const refused = refusedCallbacks(recorder!.callbacks);
      expect(
        refused.filter((callback) => callback.method === 'POST').length,
        'reports refused during the outage',
      ).toBeGreaterThan(0);
      for (const callback of refused) {
        const what = `${callback.method} ${callback.path} ${callback.reportId ?? ''}`;
        expect(callback.refusals, `${what}: refused with 503 only`).toEqual(callback.refusals.map(() => 503));
        expect(callback.retryAfter, `${what}: Retry-After`).toBe(String(API_RETRY_AFTER_S));
        expect(callback.resentAfterMs, `${what}: ms until sent again`).toBeGreaterThanOrEqual(
          API_RETRY_AFTER_S * 1000,
        );
        expect(callback.acceptedWith, `${what}: finally accepted`).toBe(
          callback.method === 'POST' ? 202 : 200,
        );
      }
    });
  });
}

function describeRetries(refused: readonly RefusedCallback[]): string {
  const reports = refused.filter((callback) => callback.method === 'POST');
  const accepted = refused.filter((callback) => callback.acceptedWith !== undefined).length;
  const refusals = refused.reduce((sum, callback) => sum + callback.refusals.length, 0);
  return (
    `${refused.length} callbacks (${reports.length} reports) refused with ${refusals} × 503 during the outage, ` +
    `${accepted} sent again after Retry-After and accepted`
  );
}
