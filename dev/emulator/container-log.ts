/**
 * A container's log: stdout and stderr split into lines, each stamped when it began, capped like ACI
 * (4 MB while running; the oldest lines go first).
 */
import { formatTicks, preciseNow } from './time';

export const MAX_LOG_BYTES = 4 * 1024 * 1024;

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

  clear(): void {
    this.lines = [];
    this.head = 0;
    this.bytes = 0;
    this.partial.clear();
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
    this.lines.push({ time: line.time, text });
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
