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
  /** numbered log lines to write at the start of each attempt (`attempt 1 line 000001`), in bursts */
  logLines: number;
  /** lines per write: the lines of one write share a timestamp in ACI's log */
  logBurst: number;
  /** pause between two bursts */
  logPauseMs: number;
  /** wait this long after the last line, before reporting (the run reads the log every monitor interval) */
  logSettleMs: number;
  /** outputs to upload at the end, `name:bytes` each (the content is outputContent(name, bytes)) */
  outputs: Array<{ name: string; bytes: number }>;
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
    logLines: positiveInt(env.LOG_LINES, 0, 'LOG_LINES'),
    logBurst: Math.max(1, positiveInt(env.LOG_BURST, 500, 'LOG_BURST')),
    logPauseMs: positiveInt(env.LOG_PAUSE_MS, 10, 'LOG_PAUSE_MS'),
    logSettleMs: positiveInt(env.LOG_SETTLE_MS, 0, 'LOG_SETTLE_MS'),
    outputs: (env.OUTPUT_FILES ?? '')
      .split(',')
      .filter(Boolean)
      .map((entry) => {
        const [name = '', bytes = '1024'] = entry.split(':');
        return { name, bytes: positiveInt(bytes, 1024, 'OUTPUT_FILES') };
      }),
  };
}

/** The sample job's output `name` of `bytes` bytes: deterministic, so a test can check every byte. */
export function outputContent(name: string, bytes: number): Buffer {
  const content = Buffer.alloc(bytes);
  let state = 2166136261;
  for (const char of name) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    content[i] = state >>> 24;
  }
  return content;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a whole number >= 0 (got "${value}")`);
  return parsed;
}
