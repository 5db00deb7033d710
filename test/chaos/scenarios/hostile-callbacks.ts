/**
 * Chaos 5: late, duplicate and forged container callbacks. The test plays the containers of a two-instance job
 * through the HTTP callback API: forged tokens are refused (401), a report about another attempt and repeated
 * or contradicting reports are ignored by the run, and once the job has settled every report is refused (410).
 * None of it changes a result. Upload grants too: a forged token gets none (401), a name that would leave the
 * run's place none (400), a genuine grant writes its own file and nothing of the sibling run's (403 from the
 * storage service), and a settled run gives none (410); the results list only the genuine upload.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../dev/local-stack';
import { RunTokens } from '../../../src/security/run-tokens';
import { runTokenOf, submitSpec } from '../../helpers/jobs';
import type { CompletionReport, RunProgress } from '../../../src/shared/messages';
import { waitFor } from '../../helpers/wait';
import { idleJobSpec, runIds, settleJobs, succeeded, uniqueJobId, type ChaosJob } from '../jobs';
import { CHAOS_WAIT, concludeScenario, startChaosStack } from '../scenario-kit';
import type { ChaosTally } from '../tally';

type CallbackPath = '' | '/complete' | '/progress' | '/outputs';

interface CallbackAnswer {
  status: number;
  errorCode?: string;
  body?: unknown;
}

export function hostileCallbacksScenario(tally: ChaosTally): void {
  describe('chaos: late, duplicate and forged callbacks', () => {
    const secret = randomBytes(32).toString('base64url');
    let stack: LocalStack;

    beforeAll(async () => {
      stack = await startChaosStack({ scenario: 'callbacks', callbackSecret: secret });
    });
    afterAll(() => stack?.stop());

    async function callback(
      runId: string,
      path: CallbackPath,
      authorization: string | undefined,
      body?: unknown,
    ): Promise<CallbackAnswer> {
      const response = await fetch(`${stack.apiUrl}/v1/runs/${encodeURIComponent(runId)}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(authorization !== undefined && { authorization }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const parsed = text ? (JSON.parse(text) as { error?: { code?: string } }) : undefined;
      return { status: response.status, errorCode: parsed?.error?.code, body: parsed };
    }
    /** the genuine token of each run, as the worker minted it (read once the run exists) */
    const tokens = new Map<string, string>();
    const bearer = (runId: string) => `Bearer ${tokens.get(runId) ?? 'not-yet'}`;

    it('refuses forged tokens, ignores stale and repeated reports, refuses late ones; results never change', async () => {
      const jobId = uniqueJobId('callbacks');
      const job: ChaosJob = {
        jobId,
        spec: idleJobSpec(jobId, 2, { action: 'delete' }),
        expected: [succeeded(), { status: 'Failed', attempts: 1, exitCode: 7, message: /^bad input$/ }],
      };
      const [first, second] = runIds(job) as [string, string];
      const submitted = await submitSpec(stack.jobs, job.spec);
      const started = { ref: submitted.ref, result: () => stack.jobs.result(submitted.ref) };
      for (const runId of [first, second]) {
        await waitFor(
          `run ${runId} to wait for its report`,
          async () => {
            if (!tokens.has(runId)) {
              const token = await runTokenOf(stack.client, secret, runId).catch(() => undefined);
              if (!token) return undefined;
              tokens.set(runId, token);
            }
            const answer = await callback(runId, '', bearer(runId));
            return answer.status === 200 && (answer.body as RunProgress).phase === 'Running';
          },
          CHAOS_WAIT,
        );
      }

      let hostile = 0;
      /** Sends a hostile callback and expects one of the given statuses. */
      const attack = async (
        runId: string,
        path: CallbackPath,
        authorization: string | undefined,
        body: unknown,
        statuses: number[],
      ) => {
        hostile++;
        const answer = await callback(runId, path, authorization, body);
        expect(statuses, `${path || 'GET'} ${runId} answered ${answer.status}`).toContain(answer.status);
        return answer;
      };
      const forgedFailure = (n: number): CompletionReport => ({
        status: 'Failed',
        exitCode: 66,
        message: 'forged',
        reportId: `forged-${n}`,
      });

      // forged: no token, made-up tokens, another run's token, a token under another secret, a tampered one
      const genuineToken = tokens.get(first)!;
      const forgeries: Array<string | undefined> = [
        undefined,
        'Bearer v1.forged',
        `Bearer ${genuineToken.slice(0, -1)}${genuineToken.endsWith('A') ? 'B' : 'A'}`,
        `Basic ${genuineToken}`,
        `bearer ${genuineToken}`,
        `Bearer ${'x'.repeat(8_000)}`,
        bearer(second),
        `Bearer ${new RunTokens(randomBytes(32).toString('base64url')).issue(first, { firstRunId: 'x', expiresAtMs: Date.now() + 60_000 })}`,
      ];
      for (const [n, authorization] of forgeries.entries()) {
        for (const path of ['/complete', '/progress', '/outputs'] as const) {
          const body =
            path === '/complete'
              ? forgedFailure(n)
              : path === '/outputs'
                ? { name: `forged-${n}.txt` }
                : { percent: 99, reportId: `forged-${n}` };
          const answer = await attack(first, path, authorization, body, [401]);
          expect(answer.errorCode).toBe('InvalidRunToken');
        }
      }
      // upload grants: names that would leave the run's place; a genuine grant used beyond its one file
      for (const name of ['../1/x.txt', '/abs.txt', 'a/../../b', '.hidden', 'x'.repeat(600)]) {
        await attack(first, '/outputs', bearer(first), { name }, [400]);
      }
      const grant = await callback(first, '/outputs', bearer(first), { name: 'genuine.txt' });
      expect(grant.status).toBe(200);
      const { uploadUrl } = grant.body as { uploadUrl: string };
      const put = (url: string) =>
        fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'genuine' });
      expect((await put(uploadUrl)).status).toBe(201);
      const siblingUrl = uploadUrl.replace(
        `/${job.spec.tenant}/${jobId}/0/`,
        `/${job.spec.tenant}/${jobId}/1/`,
      );
      expect(siblingUrl).not.toBe(uploadUrl);
      for (const forged of [siblingUrl, uploadUrl.replace('/genuine.txt?', '/other.txt?')]) {
        hostile++;
        expect((await put(forged)).status).toBe(403);
      }
      hostile++;
      expect((await fetch(uploadUrl)).status).toBe(403);

      // a report about an attempt that is not the current one: accepted by the API, ignored by the run
      await attack(first, '/complete', bearer(first), { ...forgedFailure(100), attempt: 2 }, [202]);

      const genuine: CompletionReport = {
        status: 'Completed',
        exitCode: 0,
        message: 'done',
        result: { rows: 42 },
        reportId: 'genuine-0',
        attempt: 1,
      };
      expect((await callback(first, '/complete', bearer(first), genuine)).status).toBe(202);
      // the same report again (a retry after a lost answer), then one that contradicts it
      await attack(first, '/complete', bearer(first), genuine, [202, 410]);
      await attack(first, '/complete', bearer(first), forgedFailure(101), [202, 410]);

      const failed = { status: 'Failed', exitCode: 7, message: 'bad input', reportId: 'genuine-1' };
      expect((await callback(second, '/complete', bearer(second), failed)).status).toBe(202);
      await attack(second, '/complete', bearer(second), failed, [202, 410]);
      await attack(
        second,
        '/complete',
        bearer(second),
        { ...failed, status: 'Completed', reportId: 'x' },
        [202, 410],
      );

      // settled: every report is refused, forged ones still as forged
      const [settled] = await settleJobs([started], 60_000);
      if (!settled || 'error' in settled) throw new Error(`the job did not settle: ${settled?.error}`);
      for (const runId of [first, second]) {
        for (const path of ['/complete', '/progress', '/outputs', ''] as const) {
          const body =
            path === ''
              ? undefined
              : path === '/progress'
                ? { percent: 1 }
                : path === '/outputs'
                  ? { name: 'late.txt' }
                  : genuine;
          const answer = await attack(runId, path, bearer(runId), body, [410]);
          expect(answer.errorCode).toBe('RunFinished');
        }
        await attack(runId, '/complete', 'Bearer v1.forged', forgedFailure(200), [401]);
      }

      const summaries = await concludeScenario({
        tally,
        scenario: 'late/duplicate/forged callbacks',
        jobs: [job],
        started: [started],
        emulator: stack.emulator!,
        timeoutMs: 5_000,
        faults: () => ({ count: hostile, detail: `${hostile} hostile callbacks` }),
      });
      expect(summaries).toEqual([settled.summary]);
      const firstResult = (await stack.jobs.getRun(submitted.ref, 0)).result;
      expect(firstResult).toMatchObject({ status: 'Succeeded', message: 'done', result: { rows: 42 } });
      expect(firstResult?.outputs).toMatchObject({ count: 1, files: [{ name: 'genuine.txt', size: 7 }] });
      expect((await stack.jobs.getRun(submitted.ref, 1)).result?.outputs).toMatchObject({ count: 0 });
    });
  });
}
