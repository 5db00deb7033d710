/**
 * Plays the batch containers. A container "does its work" for `runMs` from the moment the emulator first shows
 * it Running, then reports through the callback its group was registered with: a completion signal for a
 * Temporal run, a resolved promise for the baseline. The container processes themselves only sleep until
 * their group is deleted, so both sides see exactly the same containers.
 */
import type { Emulator, ImageMap } from '../dev/emulator';
import { preciseNow } from '../dev/emulator/time';

export const BENCH_IMAGE = 'bench/sleep:1';
export const BENCH_IMAGES: ImageMap = { 'bench/sleep:*': { command: ['sleep'] } };
export const BENCH_COMMAND = ['sleep', '3600'];

/** How often the emulator's groups are looked at: the granularity of a container's run time. */
const POLL_MS = 10;

interface Expected {
  runMs: number;
  onFinished: () => void;
  runningSince?: number;
}

export class ContainerDriver {
  private readonly expected = new Map<string, Expected>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly emulator: Emulator) {
    this.timer = setInterval(() => this.tick(), POLL_MS);
  }

  /** `onFinished` is called once, `runMs` after the group's container is first seen Running. */
  expect(groupName: string, runMs: number, onFinished: () => void): void {
    this.expected.set(groupName, { runMs, onFinished });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.expected.size === 0) return;
    const now = preciseNow();
    for (const group of this.emulator.groups()) {
      const entry = this.expected.get(group.name);
      if (!entry || group.containers[0]?.state !== 'Running') continue;
      entry.runningSince ??= now;
      if (now - entry.runningSince < entry.runMs) continue;
      this.expected.delete(group.name);
      entry.onFinished();
    }
  }
}
