/**
 * Finding the new lines in a read of ACI's log. `listLogs` has no "since": each read returns what ACI still keeps
 * (up to 4 MB while the container runs, oldest lines dropped first; the last 16 KB or 1,000 lines once it has
 * stopped), each line prefixed with its timestamp (`timestamps=true`). Lines written by one write share a
 * timestamp, so a timestamp alone does not say where the archive stands. The cursor (src/shared/storage.ts)
 * does, in this order:
 *
 *  1. a read that starts with the log's first line (its fingerprint is the cursor's `head`) starts at position
 *     0: the new lines are those after the `lines` already archived (unless a gap made positions unknown);
 *  2. a read that starts before the last archived timestamp holds every line of that timestamp: skip them up
 *     to the `sameTime` already archived (checked against the fingerprint of the last archived line);
 *  3. else the last archived line, found once in the read by its fingerprint, is where the new lines start;
 *  4. else ACI no longer keeps the lines just after the last archived one: the lines with a later timestamp
 *     are taken and the read counts as a gap (lines may be missing), which the run reports.
 *
 * A first read counts as a gap too when ACI may have cut the log before it: 4 MB nearly full, or, for the
 * attempt's last read (its container may have stopped), 1,000 lines or nearly 16 KB.
 *
 * Lines are never taken twice. They are lost only where ACI itself dropped them before a read (case 4, and a
 * first read that finds ACI's 4 MB full), and then the cursor says so.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LogCursor } from '../shared/storage';

export interface LogLine {
  /** the timestamp as ACI wrote it */
  time: string;
  /** comparable form of `time` (fixed-width nanoseconds) */
  key: string;
  /** the line without its timestamp */
  text: string;
  /** the line as ACI gave it (timestamp, space, text), without the newline */
  raw: string;
}

/** ACI's `timestamps=true` prefix: RFC 3339 with up to 9 fractional digits, `Z`. */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z /;

/** Reads of ACI's 4 MB (lines and newlines, without timestamps) this close to full may have dropped lines. */
const FULL_LOG_BYTES = 4 * 1024 * 1024 - 16 * 1024;
/** A stopped container's log this long may have been cut to ACI's last 1,000 lines or 16 KB. */
const STOPPED_LINES = 1000;
const STOPPED_BYTES = 16 * 1024 - 1024;

/** The lines of a `listLogs(timestamps: true)` content; a line without a timestamp joins the one before. */
export function parseLogContent(content: string): LogLine[] {
  const lines: LogLine[] = [];
  const pieces = content.split('\n');
  if (pieces.at(-1) === '') pieces.pop();
  for (const raw of pieces) {
    const match = STAMP.exec(raw);
    if (match) {
      const time = raw.slice(0, match[0].length - 1);
      lines.push({
        time,
        key: `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}`,
        text: raw.slice(match[0].length),
        raw,
      });
    } else if (lines.length > 0) {
      // not a line of its own (ACI prefixes every line): keep it with the one before rather than lose it
      const previous = lines[lines.length - 1]!;
      previous.text += `\n${raw}`;
      previous.raw += `\n${raw}`;
    } else {
      lines.push({ time: '', key: '', text: raw, raw });
    }
  }
  return lines;
}

/** A short fingerprint of a line: its timestamp and text. */
export function fingerprint(line: Pick<LogLine, 'time' | 'text'>): string {
  return createHash('sha256').update(`${line.time} ${line.text}`).digest('base64url').slice(0, 16);
}

export interface NewLines {
  lines: LogLine[];
  /** lines may be missing before these: ACI had dropped lines not archived yet */
  gap: boolean;
}

/**
 * The lines of `read` not archived yet, by the cursor's rules (see the file's comment). `last`: the attempt's
 * last read, when its container may have stopped: a first read then counts as a gap if ACI may have cut the
 * log to its last 1,000 lines or 16 KB.
 */
export function newLines(
  read: readonly LogLine[],
  cursor: LogCursor,
  options: { last?: boolean } = {},
): NewLines {
  if (read.length === 0) return { lines: [], gap: false };
  if (cursor.lines === 0) {
    const bytes = read.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0);
    const cut = options.last === true && (read.length >= STOPPED_LINES || bytes >= STOPPED_BYTES);
    return { lines: [...read], gap: bytes >= FULL_LOG_BYTES || cut };
  }
  // 1. from the log's first line: by position (which a gap has made unknown)
  if (
    cursor.gaps === 0 &&
    cursor.head !== undefined &&
    fingerprint(read[0]!) === cursor.head &&
    read.length >= cursor.lines
  ) {
    return { lines: read.slice(cursor.lines), gap: false };
  }
  const lastKey = keyOf(cursor.lastTime);
  // 2. every line of the last timestamp is in the read: by count
  if (read[0]!.key < lastKey) {
    const first = read.findIndex((line) => line.key >= lastKey);
    const last = first + cursor.sameTime - 1;
    const line = first < 0 ? undefined : read[last];
    if (line && line.key === lastKey && (cursor.last === undefined || fingerprint(line) === cursor.last)) {
      return { lines: read.slice(last + 1), gap: false };
    }
  }
  // 3. the last archived line, found once
  if (cursor.last !== undefined) {
    const found: number[] = [];
    for (let i = 0; i < read.length && read[i]!.key <= lastKey; i++) {
      if (read[i]!.key === lastKey && fingerprint(read[i]!) === cursor.last) found.push(i);
    }
    if (found.length === 1) return { lines: read.slice(found[0]! + 1), gap: false };
  }
  // 4. ACI has dropped lines past the cursor: take what is later, and say lines may be missing
  return { lines: read.filter((line) => line.key > lastKey), gap: true };
}

/** The cursor after appending `lines` (`bytes` of them) at it. */
export function advance(
  cursor: LogCursor,
  lines: readonly LogLine[],
  bytes: number,
  gap: boolean,
): LogCursor {
  const next: LogCursor = { ...cursor, gaps: cursor.gaps + (gap ? 1 : 0) };
  if (lines.length === 0) return next;
  if (cursor.lines === 0 && cursor.head === undefined) next.head = fingerprint(lines[0]!);
  const last = lines[lines.length - 1]!;
  let same = 0;
  for (let i = lines.length - 1; i >= 0 && lines[i]!.time === last.time; i--) same++;
  next.sameTime = same === lines.length && last.time === cursor.lastTime ? cursor.sameTime + same : same;
  next.lastTime = last.time;
  next.last = fingerprint(last);
  next.lines = cursor.lines + lines.length;
  next.bytes = cursor.bytes + bytes;
  return next;
}

/** The archive's text of some lines: each as ACI gave it, with its timestamp, ending with a newline. */
export function archiveText(lines: readonly LogLine[]): string {
  return lines.map((line) => `${line.raw}\n`).join('');
}

/** Strips the timestamp of each line of archived text (for readers who want the plain log). */
export function stripTimestamps(text: string): string {
  return text.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z /gm, '');
}

function keyOf(time: string): string {
  const match = STAMP.exec(`${time} `);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}` : '';
}

/** A stream of archived text with each line's timestamp stripped (lines may span chunks). */
export function stripTimestampsStream(): Transform {
  let pending = '';
  const decoder = new StringDecoder('utf8');
  return new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      const text = pending + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const end = text.lastIndexOf('\n') + 1;
      pending = text.slice(end);
      done(null, stripTimestamps(text.slice(0, end)));
    },
    flush(done) {
      const rest = pending + decoder.end();
      done(null, rest ? stripTimestamps(rest) : undefined);
    },
  });
}
