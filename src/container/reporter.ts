/**
 * The helper a batch container uses to report back to its run: progress, completion, failure.
 * Direct mode signals the run's workflow through Temporal (ACI_BATCH_TEMPORAL_ADDRESS); every report
 * carries a fresh reportId so a re-sent report is recognised and ignored by the workflow.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  completionSignal,
  progressSignal,
  runProgressQuery,
  type CompletionReport,
  type ProgressReport,
} from '../shared/messages';
import { CONTAINER_ENV } from '../shared/names';

export interface RunReporter {
  /** 1 for the first attempt, 2 after the first restart, ... */
  attempt(): Promise<number>;
  progress(percent: number, message?: string): Promise<void>;
  complete(result?: unknown, message?: string): Promise<void>;
  fail(exitCode: number, message: string): Promise<void>;
  close(): Promise<void>;
}

export async function connectReporter(env: NodeJS.ProcessEnv = process.env): Promise<RunReporter> {
  const runId = required(env, CONTAINER_ENV.runId);
  const address = env[CONTAINER_ENV.temporalAddress];
  if (!address) {
    throw new Error(
      `${CONTAINER_ENV.temporalAddress} is not set: the run did not say how this container reports back`,
    );
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: env[CONTAINER_ENV.temporalNamespace] ?? 'default' });
  const run = client.workflow.getHandle(runId);
  const complete = (report: Omit<CompletionReport, 'reportId'>) =>
    run.signal(completionSignal, { ...report, reportId: randomUUID() });
  return {
    attempt: async () => (await run.query(runProgressQuery)).attempt,
    progress: (percent, message) =>
      run.signal(progressSignal, { percent, message, reportId: randomUUID() } satisfies ProgressReport),
    complete: (result, message) => complete({ status: 'Completed', exitCode: 0, result, message }),
    fail: (exitCode, message) => complete({ status: 'Failed', exitCode, message }),
    close: () => connection.close(),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: this container must be started by aci-batch`);
  return value;
}
