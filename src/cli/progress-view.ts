/**
 * Live progress of a job in the terminal: one bar for the job and one per instance (cli-progress), or plain
 * lines when the stream is not a terminal (CI, pipes): a job line and a line per instance, each printed only
 * when it changed.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { JobStatus } from '../shared/messages';

export interface ProgressView {
  update(status: JobStatus): void;
  stop(): void;
}

/** Above this many instances only the job bar is drawn; a terminal cannot show a thousand bars. */
const MAX_INSTANCE_BARS = 20;

export function createProgressView(stream: NodeJS.WriteStream = process.stdout): ProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream);
}

function countsText(status: JobStatus): string {
  const parts = Object.entries(status.counts)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${state} ${count}`);
  return parts.join(', ');
}

type InstanceStatus = JobStatus['instances'][number];

/** Phases of an instance that has ended: its bar is full, whatever the outcome (the detail tells). */
const FINISHED = new Set<InstanceStatus['phase']>(['Succeeded', 'Failed', 'TimedOut', 'Cancelled']);

function phaseText(instance: InstanceStatus): string {
  if (instance.queuePosition !== undefined) return `Queued (#${instance.queuePosition} for capacity)`;
  return instance.exitCode === undefined ? instance.phase : `${instance.phase} (exit ${instance.exitCode})`;
}

class BarsView implements ProgressView {
  private readonly bars: MultiBar;
  private job?: SingleBar;
  private readonly instances = new Map<number, SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.bars = new MultiBar(
      { stream, format: ' {label} [{bar}] {percentage}% {detail}', hideCursor: true, clearOnComplete: false },
      Presets.shades_classic,
    );
  }

  update(status: JobStatus): void {
    this.job ??= this.bars.create(100, 0, { label: 'job'.padEnd(12), detail: '' });
    this.job.update(status.percent, { detail: `${status.state}: ${countsText(status)}` });
    if (status.total > MAX_INSTANCE_BARS) return;
    for (const instance of status.instances) {
      let bar = this.instances.get(instance.index);
      if (!bar) {
        bar = this.bars.create(100, 0, { label: `instance ${instance.index}`.padEnd(12), detail: '' });
        this.instances.set(instance.index, bar);
      }
      bar.update(instance.percent ?? (FINISHED.has(instance.phase) ? 100 : 0), {
        detail: phaseText(instance),
      });
    }
  }

  stop(): void {
    this.bars.stop();
  }
}

class LinesView implements ProgressView {
  private lastJobLine = '';
  private readonly lastInstanceLines = new Map<number, string>();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(status: JobStatus): void {
    const jobLine = `job ${status.jobId}: ${status.state} ${status.percent}% (${countsText(status)})`;
    if (jobLine !== this.lastJobLine) this.stream.write(`${jobLine}\n`);
    this.lastJobLine = jobLine;
    if (status.total > MAX_INSTANCE_BARS) return;
    for (const instance of status.instances) {
      const percent = instance.percent === undefined ? '' : ` ${instance.percent}%`;
      const line = `instance ${instance.index}: ${phaseText(instance)}${percent}`;
      if (line === this.lastInstanceLines.get(instance.index)) continue;
      this.lastInstanceLines.set(instance.index, line);
      this.stream.write(`  ${line}\n`);
    }
  }

  stop(): void {}
}
