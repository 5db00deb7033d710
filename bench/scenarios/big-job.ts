/**
 * Issue 17: the largest job. One job of `instances` (the spec's maximum is 10,000), maxParallel 1,000, at zero
 * latency, each container reporting at once with the longest message a run keeps (MESSAGE_MAX_CHARS); the
 * emulator's containers are records, not processes; admission and the log archive on, as shipped. The job is
 * followed (every few seconds: its current run, history length, pending workflow task, runs finished) until it
 * completes, closes otherwise, or is stuck (its workflow task failing again and again, or nothing moving for
 * `stallSeconds`); then exactly what failed is read from its history: the failed workflow task's cause and
 * message, or the close event's, with the size of the state the job carried into its current run.
 */
import { temporal as proto } from '@temporalio/proto';
import { preciseNow } from '../../dev/emulator/time';
import { capacityConfigSchema } from '../../src/capacity/config';
import { jobWorkflowId } from '../../src/shared/names';
import { benchJobId } from '../jobs';
import type { BigJobPlan } from '../options';
import { startScenarioStack, terminateRunsFirst, type ScenarioStack } from '../scenario-stack';
import { submitScenarioJob } from '../scenario-jobs';
import type { BenchTemporal } from '../temporal';
import { emulatorAccount, unlimitedAccount } from '../account-limits';

type HistoryEvent = proto.api.history.v1.IHistoryEvent;
const EventType = proto.api.enums.v1.EventType;

const TENANT = 'big';
const WATCH_MS = 5_000;
/** the job's workflow task has failed this many attempts in a row: stuck */
const STUCK_ATTEMPTS = 3;
/** followed for at most this long */
const LIMIT_MS = 90 * 60_000;

export interface BigJobResult {
  plan: BigJobPlan;
  /** completed: the job's summary arrived with every run */
  completed: boolean;
  /** how it ended: completed, closed (status), stuck (failing workflow task), stalled, or cut (time limit) */
  ending: 'completed' | 'closed' | 'stuck' | 'stalled' | 'cut';
  seconds: number;
  /** runs whose group was deleted (finished) when it ended */
  runsFinished: number;
  /** the job's runs (continue-as-new) */
  jobRuns: number;
  /** the job's current run: its history length and what it was started with */
  currentRun: { historyLength: number; inputBytes: number; carriedSummaries: number };
  /**
   * bytes each carried run summary adds to the job's input (from the current run's input), and what carrying
   * every finished run would take now (continue-as-new carries them all; Temporal refuses a payload over
   * 2 MiB by default)
   */
  bytesPerSummary?: number;
  carryNowBytes?: number;
  /** what failed, word for word: the failed workflow task's cause and message, or the close event's */
  failure?: { where: string; cause?: string; message: string; attempts?: number };
  /** the summary's size when it completed, bytes of JSON */
  summaryBytes?: number;
  /** the message each run reported, characters */
  messageChars: number;
  worker: { peakRssMb: number; cpuSeconds: number };
}

export async function measureBigJob(
  plan: BigJobPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
): Promise<BigJobResult> {
  const limits = unlimitedAccount();
  const stack = await startScenarioStack(
    {
      label: 'bigjob',
      emulator: {
        latency: 'instant',
        ...emulatorAccount(limits),
        readBucket: false,
        containerRuntime: 'inert',
        requestLogLimit: 1_000_000,
      },
      storage: true,
      pollIntervalMs: 50,
      capacity: capacityConfigSchema.parse({ defaults: { limits } }),
    },
    temporal,
    bundlePath,
  );
  let measured: Omit<BigJobResult, 'worker'>;
  try {
    measured = await follow(stack, plan, progress);
    await terminateRunsFirst(stack);
  } catch (error) {
    await terminateRunsFirst(stack, 'the bench scenario failed').catch(() => undefined);
    await stack.stop().catch(() => undefined);
    throw error;
  }
  const usage = await stack.stop();
  return { ...measured, worker: { peakRssMb: usage.peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds } };
}

/** A message of exactly `chars` characters, readable in the Web UI. */
function longMessage(chars: number): string {
  const text = 'the container finished its work and reports at length, as the spec allows; ';
  return text.repeat(Math.ceil(chars / text.length)).slice(0, chars);
}

async function follow(
  stack: ScenarioStack,
  plan: BigJobPlan,
  progress: (message: string) => void,
): Promise<Omit<BigJobResult, 'worker'>> {
  const jobId = benchJobId('big', plan.instances);
  progress(
    `big job: ${plan.instances} instances, maxParallel ${plan.maxParallel}, messages of ${plan.messageChars} characters`,
  );
  const submitted = await submitScenarioJob(stack, {
    tenant: TENANT,
    jobId,
    instances: plan.instances,
    maxParallel: plan.maxParallel,
    runMs: 0,
    message: longMessage(plan.messageChars),
  });
  const handle = stack.client.workflow.getHandle(jobWorkflowId(TENANT, jobId));
  const result = stack.jobs.result(submitted.ref).then(
    (summary) => ({ summary }),
    (error: unknown) => ({ error }),
  );
  const runIds = new Set<string>();
  const deletes = () =>
    stack.emulator.requests.all({ method: 'DELETE' }).filter((entry) => entry.status < 300).length;
  let lastProgressAt = preciseNow();
  let lastMark = '';
  let ending: BigJobResult['ending'] | undefined;
  let attempts = 0;
  for (let round = 1; ; round++) {
    const settled = await Promise.race([result, sleep(WATCH_MS).then(() => undefined)]);
    if (settled && 'summary' in settled) {
      ending = 'completed';
      break;
    }
    const description = await handle.describe();
    runIds.add(description.runId);
    attempts = description.raw.pendingWorkflowTask?.attempt ?? 0;
    const finished = deletes();
    const mark = `${description.runId}/${description.historyLength}/${finished}`;
    if (mark !== lastMark) {
      lastMark = mark;
      lastProgressAt = preciseNow();
    }
    if (round % 6 === 0) {
      progress(
        `big job: ${finished} runs finished, job run ${runIds.size}, history ${description.historyLength} events` +
          (attempts > 1 ? `, its workflow task at attempt ${attempts}` : ''),
      );
    }
    if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') {
      ending = 'closed';
      break;
    }
    if (attempts >= STUCK_ATTEMPTS) {
      ending = 'stuck';
      break;
    }
    if (preciseNow() - lastProgressAt > plan.stallSeconds * 1_000) {
      ending = 'stalled';
      break;
    }
    if (preciseNow() - submitted.startedAt > LIMIT_MS) {
      ending = 'cut';
      break;
    }
  }
  const seconds = (preciseNow() - submitted.startedAt) / 1000;
  const settled = await Promise.race([result, sleep(0).then(() => undefined)]);
  const summary = settled && 'summary' in settled ? settled.summary : undefined;
  const history: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const description = await handle.describe();
  runIds.add(description.runId);
  const carriedNow = carried(history);
  return {
    plan,
    completed: summary !== undefined && summary.succeeded === plan.instances,
    ending,
    seconds,
    runsFinished: deletes(),
    jobRuns: runIds.size,
    currentRun: { historyLength: history.length, ...carriedNow },
    ...(carriedNow.carriedSummaries > 0 && {
      bytesPerSummary: carriedNow.inputBytes / carriedNow.carriedSummaries,
      carryNowBytes: (carriedNow.inputBytes / carriedNow.carriedSummaries) * deletes(),
    }),
    ...(ending !== 'completed' && { failure: failureOf(history, ending, attempts) }),
    ...(summary && { summaryBytes: Buffer.byteLength(JSON.stringify(summary)) }),
    messageChars: plan.messageChars,
  };
}

/** The size of the current run's input, and how many run summaries it carried from the run before. */
function carried(history: HistoryEvent[]): { inputBytes: number; carriedSummaries: number } {
  const payload = history[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const data = payload?.data;
  if (!data) return { inputBytes: 0, carriedSummaries: 0 };
  try {
    const input = JSON.parse(Buffer.from(data).toString('utf8')) as { carried?: { runs?: unknown[] } };
    return { inputBytes: data.length, carriedSummaries: input.carried?.runs?.length ?? 0 };
  } catch {
    return { inputBytes: data.length, carriedSummaries: Number.NaN };
  }
}

/** The last failed workflow task's cause and message, or the close event's failure. */
function failureOf(
  history: HistoryEvent[],
  ending: BigJobResult['ending'],
  attempts: number,
): BigJobResult['failure'] {
  for (let i = history.length - 1; i >= 0; i--) {
    const event = history[i]!;
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed) {
      return {
        where: 'workflow task failed',
        cause: proto.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0],
        message: failed.failure?.message ?? '',
        attempts,
      };
    }
    const terminated = event.workflowExecutionTerminatedEventAttributes;
    if (terminated) return { where: 'workflow terminated', message: terminated.reason ?? '' };
    const workflowFailed = event.workflowExecutionFailedEventAttributes;
    if (workflowFailed) return { where: 'workflow failed', message: workflowFailed.failure?.message ?? '' };
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT) {
      return { where: 'workflow timed out', message: '' };
    }
  }
  return { where: ending, message: 'no failure in the history of the job’s current run' };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
