/**
 * Appending a read of ACI's log to an attempt's archive blob, exactly once. Each append is conditional on the
 * blob's length (the cursor's `bytes`): an append that landed but whose answer was lost (an activity retried,
 * a worker gone) is found on the next try, the cursor is brought up to what the blob holds, and only the lines
 * still missing are appended. The blob is the truth; the cursor a small summary of it.
 */
import type { AppendBlobClient } from '@azure/storage-blob';
import type { LogCursor } from '../shared/storage';
import { advance, archiveText, newLines, parseLogContent, type LogLine } from './log-lines';
import { isNotFound, storageErrorCode, StorageError, type RunStorage } from './run-storage';

/** Blob Storage takes at most 4 MiB in one append. */
const MAX_APPEND_BYTES = 4 * 1024 * 1024;
/** Tries of an append whose position another append took meanwhile. */
const MAX_RECOVERIES = 3;

export interface ArchiveReadResult {
  cursor: LogCursor;
  /** lines appended by this read */
  appended: number;
  /** this read found lines missing (ACI had dropped lines not archived yet) */
  gap: boolean;
}

/**
 * Appends the lines of `read` the archive does not hold yet; with `seal`, seals the blob afterwards (created
 * empty when the attempt logged nothing). `metadata` is set when the blob is created.
 */
export async function archiveRead(
  storage: RunStorage,
  blobName: string,
  read: readonly LogLine[],
  cursor: LogCursor,
  options: { seal?: boolean; metadata?: Record<string, string>; abortSignal?: AbortSignal } = {},
): Promise<ArchiveReadResult> {
  const blob = storage.logs.getAppendBlobClient(blobName);
  const { abortSignal } = options;
  let current = cursor;
  let appended = 0;
  let gap = false;
  if (current.sealed) return { cursor: current, appended, gap };
  await storage.ensureContainers();
  for (let recoveries = 0; ; recoveries++) {
    const fresh = newLines(read, current, { last: options.seal });
    gap ||= fresh.gap;
    try {
      // the attempt's first append makes the blob (an empty attempt's seal too)
      if (current.bytes === 0 && (fresh.lines.length > 0 || options.seal)) {
        await createIfMissing(storage, blob, options.metadata, abortSignal);
      }
      for (const chunk of chunks(fresh.lines)) {
        const text = archiveText(chunk);
        const bytes = Buffer.byteLength(text);
        await blob.appendBlock(text, bytes, { conditions: { appendPosition: current.bytes }, abortSignal });
        current = advance(current, chunk, bytes, fresh.gap && appended === 0);
        appended += chunk.length;
      }
      if (fresh.lines.length === 0 && fresh.gap) current = { ...current, gaps: current.gaps + 1 };
      if (options.seal) {
        await blob.seal({ abortSignal });
        current = { ...current, sealed: true };
      }
      return { cursor: current, appended, gap };
    } catch (error) {
      const code = storageErrorCode(error);
      const contested = code === 'AppendPositionConditionNotMet' || code === 'BlobIsSealed';
      if (!contested || recoveries >= MAX_RECOVERIES) throw error;
      current = await recoverCursor(blob, current, abortSignal);
      if (current.sealed) return { cursor: current, appended, gap };
    }
  }
}

/**
 * The cursor brought up to what the blob holds: the lines appended after `cursor.bytes` (by an earlier try
 * whose answer was lost) are read back and counted.
 */
export async function recoverCursor(
  blob: AppendBlobClient,
  cursor: LogCursor,
  abortSignal?: AbortSignal,
): Promise<LogCursor> {
  const properties = await blob.getProperties({ abortSignal });
  const size = properties.contentLength ?? 0;
  if (size < cursor.bytes) {
    throw new StorageError(
      `the archive blob ${blob.name} holds ${size} bytes, fewer than the ${cursor.bytes} already archived: it was changed from outside`,
    );
  }
  let recovered = cursor;
  if (size > cursor.bytes) {
    const text = (await blob.downloadToBuffer(cursor.bytes, size - cursor.bytes, { abortSignal })).toString(
      'utf8',
    );
    recovered = advance(cursor, parseLogContent(text), size - cursor.bytes, false);
  }
  return properties.isSealed ? { ...recovered, sealed: true } : recovered;
}

async function createIfMissing(
  storage: RunStorage,
  blob: AppendBlobClient,
  metadata: Record<string, string> | undefined,
  abortSignal: AbortSignal | undefined,
): Promise<void> {
  const create = () =>
    blob.createIfNotExists({
      metadata,
      blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' },
      abortSignal,
    });
  try {
    await create();
  } catch (error) {
    if (!isNotFound(error)) throw error;
    // the container went away (deleted from outside): make it again, once
    await storage.ensureContainers(true);
    await create();
  }
}

/** Lines in groups of at most MAX_APPEND_BYTES of archive text. */
function* chunks(lines: readonly LogLine[]): Generator<LogLine[]> {
  let chunk: LogLine[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line.raw) + 1;
    if (chunk.length > 0 && bytes + size > MAX_APPEND_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(line);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
