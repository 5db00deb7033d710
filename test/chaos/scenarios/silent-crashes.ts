/**
 * Chaos 4: containers that exit without reporting (the sample job with EXIT_WITHOUT_REPORT). The time limit is
 * ten minutes, so only the monitor can notice in time: each run is settled from the container's exit code, and
 * the failure policy applies (restart, then the exhausted action: delete, or stop and keep the group).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../dev/local-stack';
import { durationMs } from '../../../src/shared/duration';
import { EXIT_REPORT_GRACE_MS } from '../../../src/workflows/attempt-wait';
import { sampleJobSpec, submitJobs, uniqueJobId, type ChaosJob, type ExpectedRun } from '../jobs';
import { actionsAfterExits, watchContainerExits, type ActionAfterExit } from '../groups';
import { concludeScenario, startChaosStack } from '../scenario-kit';
import type { ChaosTally } from '../tally';

const MONITOR_INTERVAL = '1s';
const BACKOFF = '1s';
const FAIL_EXIT_CODE = 3;
/**
 * What noticing an exit may take beyond the monitor interval: one state read (the emulator answers in
 * milliseconds) and the scheduling of the workflow tasks, timers and activities between the exit and the run's
 * first action on the group (measured, so it includes the 15 s grace timer and the backoff timer firing). Measured
 * on 2 cores over two runs of the suite: 0.0-0.9 s after the exit in all (monitor every 1 s); allowed: 3 s in all,
 * twice the interval's worth of slack on top of it, for a loaded machine.
 */
const STATE_READ_AND_SCHEDULING_MS = 2_000;

const exitedWithoutReport = (code: number) => new RegExp(`exited with code ${code} without reporting`);

function silentJob(
  label: string,
  exhausted: 'delete' | 'stop',
  instances: Record<string, string>[],
): ChaosJob {
  const jobId = uniqueJobId(label);
  const expected = instances.map(({ FAIL_ON_ATTEMPTS }): ExpectedRun => {
    const failsEveryAttempt = FAIL_ON_ATTEMPTS === '1,2';
    return failsEveryAttempt
      ? {
          status: 'Failed',
          attempts: 2,
          exitCode: FAIL_EXIT_CODE,
          keptGroup: exhausted === 'stop',
          message: exitedWithoutReport(FAIL_EXIT_CODE),
        }
      : { status: 'Succeeded', attempts: 2, exitCode: 0, message: exitedWithoutReport(0) };
  });
  return {
    jobId,
    spec: sampleJobSpec(jobId, {
      instances,
      env: { EXIT_WITHOUT_REPORT: 'true', FAIL_EXIT_CODE: String(FAIL_EXIT_CODE) },
      monitorInterval: MONITOR_INTERVAL,
      onFailure: { action: 'restart', maxRestarts: 1, backoff: BACKOFF, exhausted },
    }),
    expected,
  };
}

export function silentCrashesScenario(tally: ChaosTally): void {
  describe('chaos: containers crash without reporting', () => {
    let stack: LocalStack;

    beforeAll(async () => {
      stack = await startChaosStack({ scenario: 'silent-crash' });
    });
    afterAll(() => stack?.stop());

    it('settles each run from its exit code through the monitor, and applies restart then the exhausted action', async () => {
      const emulator = stack.emulator!;
      const jobs = [
        // first attempt crashes, the restart exits 0 / every attempt crashes, then the group is deleted
        silentJob('crash-delete', 'delete', [{ FAIL_ON_ATTEMPTS: '1' }, { FAIL_ON_ATTEMPTS: '1,2' }]),
        // every attempt crashes, then the group is stopped and kept for inspection
        silentJob('crash-stop', 'stop', [{ FAIL_ON_ATTEMPTS: '1,2' }]),
      ];
      const exits = watchContainerExits(emulator);
      try {
        const started = await submitJobs(stack.jobs, jobs);
        await concludeScenario({
          tally,
          scenario: 'crash without report',
          jobs,
          started,
          emulator,
          timeoutMs: 100_000,
          faults: () => ({
            count: exits.exits.length,
            detail: `${exits.exits.filter((exit) => exit.exitCode !== 0).length} crashes and ${
              exits.exits.filter((exit) => exit.exitCode === 0).length
            } exits 0, all unreported; ${describeNoticeTimes(actionsAfterExits(emulator, exits.exits))}`,
          }),
        });
      } finally {
        exits.stop();
      }

      // two attempts per run, each exit noticed by the run itself within one monitor interval plus one state read
      // and the scheduling slack (3 s in all, where the time limit is ten minutes)
      expect(exits.exits).toHaveLength(6);
      const actions = actionsAfterExits(emulator, exits.exits);
      expect(actions).toHaveLength(6);
      for (const action of actions) {
        expect(noticeMs(action), `${action.exit.group}: ms from exit to notice`).toBeLessThan(
          durationMs(MONITOR_INTERVAL) + STATE_READ_AND_SCHEDULING_MS,
        );
      }
    });
  });
}

/**
 * When the run noticed the exit: its first action comes after the grace it gives a report still in flight
 * (EXIT_REPORT_GRACE_MS), and a restart also after the backoff.
 */
function noticeMs(action: ActionAfterExit): number {
  const backoffMs = action.operation === 'restart' ? durationMs(BACKOFF) : 0;
  return action.delayMs - EXIT_REPORT_GRACE_MS - backoffMs;
}

function describeNoticeTimes(actions: readonly ActionAfterExit[]): string {
  if (actions.length === 0) return 'never acted on';
  const seconds = actions.map((action) => noticeMs(action) / 1000);
  return (
    `noticed ${Math.min(...seconds).toFixed(1)}-${Math.max(...seconds).toFixed(1)}s after exit ` +
    `(monitor every ${MONITOR_INTERVAL}), acted on after the ${EXIT_REPORT_GRACE_MS / 1000}s report grace`
  );
}
