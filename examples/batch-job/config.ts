/** The sample job's settings, from its environment (set per job in the spec's `env`, or per instance). */
import { CONTAINER_ENV } from '../../src/shared/names';

export interface SampleJobConfig {
  runId: string;
  steps: number;
  stepMs: number;
  /** attempts (1-based) on which the job fails, e.g. "1" fails the first attempt and succeeds after a restart */
  failOnAttempts: number[];
  failExitCode: number;
  /** crash without reporting (the orchestrator must notice through its monitor) */
  exitWithoutReport: boolean;
  /** port of the control endpoint; when set the job waits for POST /start instead of starting at once */
  controlPort?: number;
  bindHost: string;
}

export function loadSampleJobConfig(env: NodeJS.ProcessEnv = process.env): SampleJobConfig {
  const runId = env[CONTAINER_ENV.runId];
  if (!runId)
    throw new Error(`${CONTAINER_ENV.runId} is not set: this container must be started by aci-batch`);
  return {
    runId,
    steps: positiveInt(env.WORK_STEPS, 5, 'WORK_STEPS'),
    stepMs: positiveInt(env.STEP_MS, 200, 'STEP_MS'),
    failOnAttempts: (env.FAIL_ON_ATTEMPTS ?? '')
      .split(',')
      .filter(Boolean)
      .map((attempt) => positiveInt(attempt, 0, 'FAIL_ON_ATTEMPTS')),
    failExitCode: positiveInt(env.FAIL_EXIT_CODE, 1, 'FAIL_EXIT_CODE'),
    exitWithoutReport: env.EXIT_WITHOUT_REPORT === 'true',
    controlPort: env.CONTROL_PORT ? positiveInt(env.CONTROL_PORT, 0, 'CONTROL_PORT') : undefined,
    // the ACI emulator gives each group its own loopback address; in ACI the container binds every interface
    bindHost: env.ACI_EMULATOR_IP ?? '0.0.0.0',
  };
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a whole number >= 0 (got "${value}")`);
  return parsed;
}
