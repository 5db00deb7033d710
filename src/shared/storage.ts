/**
 * Where a run keeps its log archive and its outputs in Blob Storage, and what runs, activities and readers
 * exchange about them. Pure: the workflows carry the log cursor and compute nothing else from it.
 *
 *   <prefix>-logs      <tenant>/<jobId>/<index>/<runKey>/attempt-<n>.log   one append blob per attempt
 *   <prefix>-outputs   <tenant>/<jobId>/<index>/<runKey>/<name>            the files the run uploaded
 *
 * The run key is the run's first run id (continue-as-new keeps it): a later job that reuses the job id (once
 * Temporal has forgotten the first) gets a place of its own, as it gets run tokens of its own.
 */

/** Which run's storage: enough to name its blobs. */
export interface RunStorageRef {
  tenant: string;
  jobId: string;
  instanceIndex: number;
  /** the run's first run id */
  runKey: string;
}

/** The place of one run: `<tenant>/<jobId>/<index>/<runKey>/`. */
export function runStoragePrefix(run: RunStorageRef): string {
  return `${run.tenant}/${run.jobId}/${run.instanceIndex}/${run.runKey}/`;
}

/** The archive blob of one attempt of a run. */
export function attemptLogBlob(run: RunStorageRef, attempt: number): string {
  return `${runStoragePrefix(run)}attempt-${attempt}.log`;
}

/** The attempt of an archive blob's name, or undefined when the name is not one. */
export function attemptOfLogBlob(blobName: string): number | undefined {
  const match = /\/attempt-(\d{1,4})\.log$/.exec(blobName);
  return match ? Number(match[1]) : undefined;
}

/** Longest output name; blob names may be 1,024 characters and the run's prefix takes about 120. */
export const MAX_OUTPUT_NAME = 512;
const OUTPUT_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Why an output name is refused, or undefined when it is fine: relative paths of segments of letters, digits,
 * ".", "_" and "-" (not starting with "." or "-"), separated by single "/", at most MAX_OUTPUT_NAME characters.
 * So a name never leaves the run's place (no "..", no leading "/", no "\\", no "%").
 */
export function outputNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name must not be empty';
  if (name.length > MAX_OUTPUT_NAME) return `the name must be at most ${MAX_OUTPUT_NAME} characters`;
  const segments = name.split('/');
  if (segments.length > 16) return 'the name may have at most 16 path segments';
  for (const segment of segments) {
    if (!OUTPUT_SEGMENT.test(segment)) {
      return `"${segment || '(empty)'}" is not allowed in an output name: use path segments of letters, digits, ".", "_" and "-", not starting with "." or "-", separated by single "/" (e.g. "results/summary.csv")`;
    }
  }
  return undefined;
}

/**
 * Where an attempt's archive stands: small, carried in the run's workflow state (and across continue-as-new).
 * Readers of ACI's log find the new lines by it: ACI's `listLogs` has no "since", each read returns what ACI
 * still keeps (up to 4 MB while the container runs, its last 16 KB or 1,000 lines once it has stopped).
 */
export interface LogCursor {
  /** lines archived so far: their position in the log, when a read starts at the log's first line */
  lines: number;
  /** bytes in the blob: the next append's position */
  bytes: number;
  /** the timestamp of the last archived line, as ACI wrote it ('' before any) */
  lastTime: string;
  /** how many lines in a row, up to the last archived one, carried that timestamp */
  sameTime: number;
  /** fingerprint of the last archived line (timestamp and text) */
  last?: string;
  /** fingerprint of the log's first line: a read that starts with it starts at the log's beginning */
  head?: string;
  /** reads after which lines may be missing: ACI no longer kept the lines just after the last archived one */
  gaps: number;
  /** the blob is sealed: the attempt's archive is complete (or as complete as it will get) */
  sealed?: boolean;
}

export const EMPTY_CURSOR: LogCursor = { lines: 0, bytes: 0, lastTime: '', sameTime: 0, gaps: 0 };

/** One attempt's archive in a run's result. */
export interface AttemptLog {
  attempt: number;
  /** the blob, in the logs container */
  blob: string;
  lines: number;
  bytes: number;
  /** no lines can be missing, and the blob is sealed */
  complete: boolean;
  /** why it is not complete */
  problem?: string;
}

/** A run's log archive in its result. */
export interface LogArchiveResult {
  /** the logs container (absent when no read of the run succeeded) */
  container?: string;
  attempts: AttemptLog[];
  /** every attempt complete */
  complete: boolean;
}

/** A file a run uploaded. */
export interface OutputInfo {
  /** its name within the run (`results/summary.csv`) */
  name: string;
  size: number;
  /** the blob's Content-MD5, base64 (absent when the uploader set none and the service computed none) */
  contentMd5?: string;
  lastModified?: string;
}

/** A run's outputs in its result (the listing is capped; the API and CLI list them all). */
export interface OutputsResult {
  /** the outputs container */
  container: string;
  /** the first MAX_LISTED_OUTPUTS, by name */
  files: OutputInfo[];
  count: number;
  bytes: number;
}

export const MAX_LISTED_OUTPUTS = 100;
