/**
 * The helper a batch container uses to report back to its run: progress, completion, failure.
 *
 * Two transports, chosen from the environment the run handed to the container:
 *  - HTTP callback (ACI_BATCH_CALLBACK_URL + the secure ACI_BATCH_CALLBACK_TOKEN): containers need no
 *    Temporal credentials; requests are retried with exponential backoff;
 *  - direct Temporal signal (ACI_BATCH_TEMPORAL_ADDRESS).
 * Every report carries a fresh reportId, so a re-sent report is recognised and ignored by the workflow.
 *
 * `uploadOutput(pathOrStream, name)` keeps a file the run produced (HTTP callback mode): it asks the run's
 * callback for a grant (a write-only URL for that one file, in the run's own place) and uploads the file in
 * blocks of 4 MiB with its MD5.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnonymousCredential, BlockBlobClient } from '@azure/storage-blob';
import { Client, Connection } from '@temporalio/client';
import { backOff } from 'exponential-backoff';
import {
  completionSignal,
  progressSignal,
  runProgressQuery,
  type CompletionReport,
  type ProgressReport,
  type RunProgress,
} from '../shared/messages';
import { dataConverterFromEnv } from '../security/data-converter';
import { CONTAINER_ENV, CONTAINER_NAME } from '../shared/names';

/** Where ACI mounts this container's config map, a file per key (the emulator says where its stand-in is). */
export function configMapDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.ACI_EMULATOR_CONFIGMAP_DIR ?? '/mnt/configmap', CONTAINER_NAME);
}

/**
 * The run's environment. A container created for its run has it in its variables. A warm container, taken
 * from a standby pool, started before it had a run: its run's settings (the job's env and the ACI_BATCH_*
 * variables) arrive later as config map files, so it waits for them and returns its variables with theirs.
 */
export async function runEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  pollMs = 200,
): Promise<NodeJS.ProcessEnv> {
  if (env[CONTAINER_ENV.runId]) return env;
  const dir = configMapDir(env);
  let seen = '';
  for (;;) {
    const keys = (await readdir(dir).catch(() => [] as string[])).filter((name) => !name.startsWith('.'));
    // the files of one update appear one by one: read them once two looks agree
    const now = keys.sort().join();
    const settled = now === seen;
    seen = now;
    if (settled && keys.includes(CONTAINER_ENV.runId)) {
      const settings: NodeJS.ProcessEnv = {};
      for (const key of keys) {
        settings[key] = await readFile(join(dir, key), 'utf8');
      }
      return { ...env, ...settings };
    }
    await sleep(pollMs);
  }
}

export interface RunReporter {
  /** 1 for the first attempt, 2 after the first restart, ... */
  attempt(): Promise<number>;
  progress(percent: number, message?: string): Promise<void>;
  complete(result?: unknown, message?: string): Promise<void>;
  fail(exitCode: number, message: string): Promise<void>;
  /**
   * Uploads a file (a path, or a stream) as the run's output `name` (e.g. `results/summary.csv`: letters,
   * digits, ".", "_", "-" and "/"); the run's result and `aci-batch outputs` list it. HTTP callback mode only.
   */
  uploadOutput(source: string | NodeJS.ReadableStream, name: string): Promise<UploadedOutput>;
  close(): Promise<void>;
}

export interface UploadedOutput {
  name: string;
  size: number;
  /** base64, as Blob Storage keeps it */
  contentMd5: string;
}

/** What the run's outputs callback answers. */
interface UploadGrant {
  name: string;
  uploadUrl: string;
  expiresAt: string;
}

type Completion = Omit<CompletionReport, 'reportId'>;

/** The transport-specific part of a reporter. */
interface Transport {
  progress(report: ProgressReport): Promise<void>;
  complete(report: CompletionReport): Promise<void>;
  runProgress(): Promise<RunProgress>;
  /** a grant to upload one output; absent: this transport cannot */
  outputGrant?(name: string): Promise<UploadGrant>;
  close(): Promise<void>;
}

export async function connectReporter(env: NodeJS.ProcessEnv = process.env): Promise<RunReporter> {
  const transport = env[CONTAINER_ENV.callbackUrl] ? httpTransport(env) : await temporalTransport(env);
  // once known, every report names its attempt, so a late report never settles a later attempt
  let attempt: number | undefined;
  const complete = (report: Completion) => transport.complete({ ...report, attempt, reportId: randomUUID() });
  return {
    attempt: async () => (attempt = (await transport.runProgress()).attempt),
    progress: (percent, message) => transport.progress({ percent, message, attempt, reportId: randomUUID() }),
    complete: (result, message) => complete({ status: 'Completed', exitCode: 0, result, message }),
    fail: (exitCode, message) => complete({ status: 'Failed', exitCode, message }),
    uploadOutput: async (source, name) => {
      if (!transport.outputGrant) {
        throw new Error(
          `uploading outputs needs the run's HTTP callback (${CONTAINER_ENV.callbackUrl}); this run reports by Temporal signal`,
        );
      }
      const grant = await transport.outputGrant(name);
      return { name, ...(await uploadToGrant(grant.uploadUrl, source)) };
    },
    close: () => transport.close(),
  };
}

/** Blocks of this size are staged one after another; a file that fits in one is one request. */
const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;

/** Uploads a file or stream to a write-only blob URL: its blocks, then the block list with the MD5. */
async function uploadToGrant(
  uploadUrl: string,
  source: string | NodeJS.ReadableStream,
): Promise<{ size: number; contentMd5: string }> {
  const blob = new BlockBlobClient(uploadUrl, new AnonymousCredential(), { retryOptions: { maxTries: 6 } });
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const md5 = createHash('md5');
  const blockIds: string[] = [];
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const stage = async (data: Buffer) => {
    const id = Buffer.from(String(blockIds.length).padStart(8, '0')).toString('base64');
    await blob.stageBlock(id, data, data.length);
    blockIds.push(id);
  };
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    md5.update(data);
    size += data.length;
    pending.push(data);
    pendingBytes += data.length;
    while (pendingBytes >= UPLOAD_BLOCK_BYTES) {
      const all = Buffer.concat(pending);
      await stage(all.subarray(0, UPLOAD_BLOCK_BYTES));
      pending = [all.subarray(UPLOAD_BLOCK_BYTES)];
      pendingBytes = all.length - UPLOAD_BLOCK_BYTES;
    }
  }
  const digest = md5.digest();
  const rest = Buffer.concat(pending);
  const headers = { blobHTTPHeaders: { blobContentMD5: digest } };
  if (blockIds.length === 0) {
    await blob.upload(rest, rest.length, headers);
  } else {
    if (rest.length > 0) await stage(rest);
    await blob.commitBlockList(blockIds, headers);
  }
  return { size, contentMd5: digest.toString('base64') };
}

function httpTransport(env: NodeJS.ProcessEnv): Transport {
  const url = required(env, CONTAINER_ENV.callbackUrl);
  const token = required(env, CONTAINER_ENV.callbackToken);
  const call = (path: string, body?: unknown) =>
    backOff(
      async () => {
        const response = await fetch(`${url}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status >= 500 || response.status === 429) {
          // the API is busy or Temporal is away (503): wait as long as it asks, within reason, then retry
          await sleep(Math.min(retryAfterMs(response) ?? 0, MAX_RETRY_AFTER_MS));
          throw new RetryableHttpError(`${path || 'GET'} answered ${response.status}`);
        }
        if (!response.ok) {
          // 401/404/410 will not change by retrying: the run is unknown, over, or the token is wrong
          throw new Error(`callback ${path || 'GET'} answered ${response.status}: ${await response.text()}`);
        }
        return response.status === 204 ? undefined : await response.json();
      },
      {
        numOfAttempts: 8,
        startingDelay: 250,
        maxDelay: 10_000,
        retry: (error) =>
          !(error instanceof Error) ||
          error instanceof RetryableHttpError ||
          error.name === 'TimeoutError' ||
          error.name === 'TypeError',
      },
    );
  return {
    progress: async (report) => void (await call('/progress', report)),
    complete: async (report) => void (await call('/complete', report)),
    runProgress: async () => (await call('')) as RunProgress,
    outputGrant: async (name) => (await call('/outputs', { name })) as UploadGrant,
    close: async () => {},
  };
}

class RetryableHttpError extends Error {}

/** A Retry-After longer than this is cut short: the backoff that follows adds its own delay. */
const MAX_RETRY_AFTER_MS = 30_000;

function retryAfterMs(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

async function temporalTransport(env: NodeJS.ProcessEnv): Promise<Transport> {
  const runId = required(env, CONTAINER_ENV.runId);
  const address = env[CONTAINER_ENV.temporalAddress];
  if (!address) {
    throw new Error(
      `neither ${CONTAINER_ENV.callbackUrl} nor ${CONTAINER_ENV.temporalAddress} is set: the run did not say how this container reports back`,
    );
  }
  const connection = await Connection.connect({ address });
  // direct signals with encrypted payloads would need the deployment's payload keys in the container, which a
  // spec cannot hand it (ACI_BATCH_* names are reserved): with encryption on, containers report by callback
  const client = new Client({
    connection,
    namespace: env[CONTAINER_ENV.temporalNamespace] ?? 'default',
    dataConverter: dataConverterFromEnv(env),
  });
  const run = client.workflow.getHandle(runId);
  return {
    progress: (report) => run.signal(progressSignal, report),
    complete: (report) => run.signal(completionSignal, report),
    runProgress: () => run.query(runProgressQuery),
    close: () => connection.close(),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: this container must be started by aci-batch`);
  return value;
}
