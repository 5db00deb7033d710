/**
 * A container's log as ACI keeps it: stdout and stderr split into lines, each stamped with the time of the
 * write that began it (so the lines of one write share a timestamp, as in ACI), in order of time; up to 4 MB
 * while the container runs (the oldest lines go first), and only the last 16 KB or 1,000 lines (whichever is
 * smaller) once it has stopped.
 */
import { formatTicks, preciseNow } from './time';

/** What ACI keeps of a running container's log. */
export const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** What ACI keeps once the container has stopped: the last 16 KB or 1,000 lines, whichever is smaller. */
export const STOPPED_LOG_BYTES = 16 * 1024;
export const STOPPED_LOG_LINES = 1000;

export type LogStream = 'stdout' | 'stderr';

interface LogLine {
  time: number;
  text: string;
}

export class ContainerLog {
  private lines: LogLine[] = [];
  /** index of the oldest kept line; lines before it were dropped by the cap (compacted lazily) */
  private head = 0;
  private bytes = 0;
  /** the timestamp of the newest line: a line never carries an earlier one (ACI's log is in order of time) */
  private lastTime = 0;
  private readonly partial = new Map<LogStream, LogLine>();

  constructor(private readonly maxBytes = MAX_LOG_BYTES) {}

  write(stream: LogStream, chunk: string): void {
    const now = preciseNow();
    const pieces = chunk.split('\n');
    const last = pieces.pop() ?? '';
    for (const piece of pieces) {
      const started = this.partial.get(stream);
      this.partial.delete(stream);
      this.push({ time: started?.time ?? now, text: (started?.text ?? '') + piece });
    }
    if (last !== '') {
      const started = this.partial.get(stream);
      this.partial.set(stream, { time: started?.time ?? now, text: (started?.text ?? '') + last });
    }
  }

  /** Ends unterminated lines (the process has exited). */
  flush(): void {
    for (const line of this.partial.values()) this.push(line);
    this.partial.clear();
  }

  /** The container has stopped: ACI keeps only the last 16 KB or 1,000 lines of its log. */
  cutDown(maxBytes = STOPPED_LOG_BYTES, maxLines = STOPPED_LOG_LINES): void {
    this.flush();
    const kept = this.lines.slice(this.head);
    let bytes = 0;
    let from = kept.length;
    while (from > 0 && kept.length - from < maxLines) {
      const size = Buffer.byteLength(kept[from - 1]!.text) + 1;
      if (bytes + size > maxBytes) break;
      bytes += size;
      from--;
    }
    this.lines = kept.slice(from);
    this.head = 0;
    this.bytes = bytes;
  }

  clear(): void {
    this.lines = [];
    this.head = 0;
    this.bytes = 0;
    this.lastTime = 0;
    this.partial.clear();
  }

  /** Lines kept now. */
  get lineCount(): number {
    return this.lines.length - this.head;
  }

  /** The `content` of ARM's logs response: the last `tail` lines, optionally prefixed with their timestamp. */
  render(options: { tail?: number; timestamps?: boolean } = {}): string {
    const kept = this.lines.slice(this.head);
    const selected = options.tail === undefined ? kept : kept.slice(Math.max(0, kept.length - options.tail));
    return selected
      .map((line) => (options.timestamps ? `${formatTicks(line.time)} ${line.text}\n` : `${line.text}\n`))
      .join('');
  }

  private push(line: LogLine): void {
    const text = line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text;
    // a line finished on one stream after a later line on the other keeps the order of the log
    const time = Math.max(line.time, this.lastTime);
    this.lastTime = time;
    this.lines.push({ time, text });
    this.bytes += Buffer.byteLength(text) + 1;
    while (this.bytes > this.maxBytes && this.head < this.lines.length) {
      const dropped = this.lines[this.head++];
      if (dropped) this.bytes -= Buffer.byteLength(dropped.text) + 1;
    }
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }
}
