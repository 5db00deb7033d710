/**
 * The runs' storage in one Blob Storage account: the log archive (an append blob per attempt, sealed at its
 * end), the outputs (block blobs the containers upload with a per-blob grant), reading both back, and deleting
 * what is past its retention. Shared by the worker (archive, outputs in results, retention), the API (grants,
 * serving logs and outputs) and the CLI (reading).
 */
import { Readable } from 'node:stream';
import type { TokenCredential } from '@azure/core-auth';
import { isRestError } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
  type ContainerClient,
  type UserDelegationKey,
} from '@azure/storage-blob';
import { durationMs } from '../shared/duration';
import {
  attemptLogBlob,
  attemptOfLogBlob,
  outputNameProblem,
  runStoragePrefix,
  type OutputInfo,
  type RunStorageRef,
} from '../shared/storage';
import type { StorageConfig } from './config';

/** An attempt's archive blob as it is now. */
export interface StoredAttemptLog {
  attempt: number;
  blob: string;
  bytes: number;
  sealed: boolean;
}

/** A write-only grant for one output blob. */
export interface UploadGrant {
  name: string;
  /** the blob's URL with a SAS that lets its holder create or overwrite that blob, and nothing else */
  uploadUrl: string;
  expiresAt: string;
}

export class StorageError extends Error {
  override name = 'StorageError';
}

/** How long a user delegation key is asked for, and how long before its end a new one is asked for. */
const DELEGATION_KEY_LIFETIME_MS = 24 * 3600_000;
const DELEGATION_KEY_MARGIN_MS = 6 * 3600_000;

export class RunStorage {
  readonly logs: ContainerClient;
  readonly outputs: ContainerClient;
  private readonly service: BlobServiceClient;
  private readonly sharedKey?: StorageSharedKeyCredential;
  private containersReady: Promise<void> | undefined;
  private delegationKey: Promise<{ key: UserDelegationKey; expiresAt: number }> | undefined;

  constructor(readonly config: StorageConfig) {
    const { target } = config;
    if (target.kind === 'connectionString') {
      this.service = BlobServiceClient.fromConnectionString(target.connectionString, {
        retryOptions: { maxTries: 4, tryTimeoutInMs: 60_000 },
      });
      if (this.service.credential instanceof StorageSharedKeyCredential)
        this.sharedKey = this.service.credential;
    } else {
      const credential: TokenCredential = target.managedIdentityClientId
        ? new ManagedIdentityCredential({ clientId: target.managedIdentityClientId })
        : new DefaultAzureCredential();
      this.service = new BlobServiceClient(target.accountUrl, credential, {
        retryOptions: { maxTries: 4, tryTimeoutInMs: 60_000 },
      });
    }
    this.logs = this.service.getContainerClient(`${config.containerPrefix}-logs`);
    this.outputs = this.service.getContainerClient(`${config.containerPrefix}-outputs`);
  }

  /** Where the account is, for people: its blob endpoint. */
  get endpoint(): string {
    return this.service.url.replace(/\/+$/, '');
  }

  get retentionMs(): number {
    return durationMs(this.config.retention);
  }

  /** Creates the two containers (private) if they do not exist; once per process (`again`: once more). */
  ensureContainers(again = false): Promise<void> {
    if (again) this.containersReady = undefined;
    this.containersReady ??= Promise.all([
      this.logs.createIfNotExists(),
      this.outputs.createIfNotExists(),
    ]).then(
      () => undefined,
      (error: unknown) => {
        this.containersReady = undefined;
        throw error;
      },
    );
    return this.containersReady;
  }

  // ---- the log archive ----

  /** Every attempt's archive of a run, by attempt. */
  async listAttemptLogs(run: RunStorageRef, abortSignal?: AbortSignal): Promise<StoredAttemptLog[]> {
    const found: StoredAttemptLog[] = [];
    try {
      for await (const item of this.logs.listBlobsFlat({ prefix: runStoragePrefix(run), abortSignal })) {
        const attempt = attemptOfLogBlob(item.name);
        if (attempt === undefined) continue;
        found.push({
          attempt,
          blob: item.name,
          bytes: item.properties.contentLength ?? 0,
          sealed: item.properties.isSealed === true,
        });
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return found.sort((a, b) => a.attempt - b.attempt);
  }

  /** An attempt's archive from byte `offset` on, as a stream; undefined when there is no such blob. */
  async readAttemptLog(
    run: RunStorageRef,
    attempt: number,
    options: { offset?: number; abortSignal?: AbortSignal } = {},
  ): Promise<{ stream: NodeJS.ReadableStream; bytes: number; sealed: boolean } | undefined> {
    const blob = this.logs.getAppendBlobClient(attemptLogBlob(run, attempt));
    try {
      const properties = await blob.getProperties({ abortSignal: options.abortSignal });
      const size = properties.contentLength ?? 0;
      const offset = options.offset ?? 0;
      const sealed = properties.isSealed === true;
      if (offset >= size) return { stream: Readable.from([]), bytes: size, sealed };
      const download = await blob.download(offset, size - offset, { abortSignal: options.abortSignal });
      return { stream: download.readableStreamBody ?? Readable.from([]), bytes: size, sealed };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  // ---- outputs ----

  /** The run's outputs, by name. */
  async listOutputs(run: RunStorageRef, abortSignal?: AbortSignal): Promise<OutputInfo[]> {
    const prefix = runStoragePrefix(run);
    const found: OutputInfo[] = [];
    try {
      for await (const item of this.outputs.listBlobsFlat({ prefix, abortSignal })) {
        const md5 = item.properties.contentMD5;
        found.push({
          name: item.name.slice(prefix.length),
          size: item.properties.contentLength ?? 0,
          ...(md5 && md5.length > 0 && { contentMd5: Buffer.from(md5).toString('base64') }),
          ...(item.properties.lastModified && { lastModified: item.properties.lastModified.toISOString() }),
        });
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** One output as a stream with its properties; undefined when the run has no such output. */
  async readOutput(
    run: RunStorageRef,
    name: string,
    abortSignal?: AbortSignal,
  ): Promise<{ stream: NodeJS.ReadableStream; info: OutputInfo } | undefined> {
    if (outputNameProblem(name)) return undefined;
    const blob = this.outputs.getBlobClient(`${runStoragePrefix(run)}${name}`);
    try {
      const download = await blob.download(0, undefined, { abortSignal });
      const md5 = download.contentMD5 ?? download.blobContentMD5;
      return {
        stream: download.readableStreamBody ?? Readable.from([]),
        info: {
          name,
          size: download.contentLength ?? 0,
          ...(md5 && md5.length > 0 && { contentMd5: Buffer.from(md5).toString('base64') }),
          ...(download.lastModified && { lastModified: download.lastModified.toISOString() }),
        },
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * A grant to upload one output of a run: the blob's URL with a service SAS for exactly that blob (signed
   * resource `b`), with permissions create and write only (no read, no list, no delete), until `expiresAt`.
   * A SAS cannot be limited to a name prefix on an account without a hierarchical namespace, so the grant
   * names the blob itself, and only the run's authenticated callback hands one out, for a name inside the
   * run's own place. Signed with the account key (a connection string), or with a user delegation key (Azure
   * AD: the caller needs `generateUserDelegationKey`, which Storage Blob Data Contributor includes).
   */
  async grantUpload(run: RunStorageRef, name: string, expiresAt: Date): Promise<UploadGrant> {
    const problem = outputNameProblem(name);
    if (problem) throw new StorageError(problem);
    await this.ensureContainers();
    const blobName = `${runStoragePrefix(run)}${name}`;
    const blob = this.outputs.getBlockBlobClient(blobName);
    const startsOn = new Date(Date.now() - 5 * 60_000); // clock skew
    const values = {
      containerName: this.outputs.containerName,
      blobName,
      permissions: BlobSASPermissions.parse('cw'),
      startsOn,
      expiresOn: expiresAt,
      protocol: blob.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    };
    const sas = this.sharedKey
      ? generateBlobSASQueryParameters(values, this.sharedKey)
      : generateBlobSASQueryParameters(
          values,
          await this.userDelegationKey(expiresAt),
          this.service.accountName,
        );
    return { name, uploadUrl: `${blob.url}?${sas.toString()}`, expiresAt: expiresAt.toISOString() };
  }

  // ---- retention ----

  /**
   * Deletes the logs and outputs last modified before `cutoff` (the janitor's sweep where no lifecycle rule
   * does it); `progress` is told each page so that a long sweep can heartbeat.
   */
  async deleteOlderThan(
    cutoff: Date,
    progress: (deleted: number) => void = () => {},
    abortSignal?: AbortSignal,
  ): Promise<number> {
    let deleted = 0;
    for (const container of [this.logs, this.outputs]) {
      try {
        for await (const page of container.listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1000 })) {
          const expired = page.segment.blobItems.filter(
            (item) => (item.properties.lastModified?.getTime() ?? Infinity) < cutoff.getTime(),
          );
          for (const item of expired) {
            await container
              .getBlobClient(item.name)
              .deleteIfExists({ deleteSnapshots: 'include', abortSignal });
            deleted++;
          }
          progress(deleted);
        }
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return deleted;
  }

  private async userDelegationKey(until: Date): Promise<UserDelegationKey> {
    const current = await this.delegationKey?.catch(() => undefined);
    if (current && current.expiresAt - DELEGATION_KEY_MARGIN_MS > until.getTime()) return current.key;
    const startsOn = new Date(Date.now() - 5 * 60_000);
    const expiresAt = Math.max(
      Date.now() + DELEGATION_KEY_LIFETIME_MS,
      until.getTime() + DELEGATION_KEY_MARGIN_MS,
    );
    this.delegationKey = this.service
      .getUserDelegationKey(startsOn, new Date(expiresAt))
      .then((key) => ({ key, expiresAt }));
    return (await this.delegationKey).key;
  }
}

/** A 404 of Blob Storage (no such container or blob). */
export function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404;
}

/** Blob Storage's error code of a failed request (`AppendPositionConditionNotMet`, `BlobIsSealed`, ...). */
export function storageErrorCode(error: unknown): string | undefined {
  if (!isRestError(error)) return undefined;
  return error.code ?? (error.details as { errorCode?: string } | undefined)?.errorCode;
}
