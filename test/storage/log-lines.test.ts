/**
 * The cursor that finds the new lines in each read of ACI's log: reads of a growing log, of a log ACI cut at
 * its 4 MB, of the last 1,000 lines once the container stopped, with bursts of lines that share a timestamp and
 * lines that repeat word for word. Lines are never taken twice; where ACI dropped lines before a read could see
 * them, the cursor counts a gap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_CURSOR, type LogCursor } from '../../src/shared/storage';
import {
  advance,
  archiveText,
  newLines,
  parseLogContent,
  stripTimestamps,
  type LogLine,
} from '../../src/storage/log-lines';

/** A log as ACI holds it: lines with timestamps, several lines per timestamp in bursts. */
function makeLog(groups: Array<{ lines: number; text?: (i: number) => string }>): string[] {
  const lines: string[] = [];
  let tick = 0;
  let n = 0;
  for (const group of groups) {
    tick++;
    const stamp = `2026-11-24T05:15:${String(Math.floor(tick / 10_000) % 60).padStart(2, '0')}.${String(tick % 10_000).padStart(4, '0')}123Z`;
    for (let i = 0; i < group.lines; i++) {
      n++;
      lines.push(`${stamp} ${group.text ? group.text(n) : `line ${n}`}`);
    }
  }
  return lines;
}

const content = (lines: readonly string[]) => lines.map((line) => `${line}\n`).join('');

/** Archives one read; returns the new cursor and what was appended. */
function archive(
  cursor: LogCursor,
  read: readonly string[],
): { cursor: LogCursor; taken: LogLine[]; gap: boolean } {
  const fresh = newLines(parseLogContent(content(read)), cursor);
  const bytes = Buffer.byteLength(archiveText(fresh.lines));
  return { cursor: advance(cursor, fresh.lines, bytes, fresh.gap), taken: fresh.lines, gap: fresh.gap };
}

describe('parseLogContent', () => {
  it('reads timestamps of 0 to 9 fractional digits and keeps the raw line', () => {
    const lines = parseLogContent(
      '2021-04-24T00:41:52.8193092Z helloworld\n2021-04-24T00:41:52Z no fraction\n2021-04-24T00:41:52.819309212Z  two spaces\n',
    );
    expect(lines.map((line) => [line.time, line.text])).toEqual([
      ['2021-04-24T00:41:52.8193092Z', 'helloworld'],
      ['2021-04-24T00:41:52Z', 'no fraction'],
      ['2021-04-24T00:41:52.819309212Z', ' two spaces'],
    ]);
    expect(lines[0]!.key < lines[2]!.key).toBe(true);
    expect(lines[1]!.key < lines[0]!.key).toBe(true);
    expect(archiveText(lines)).toBe(
      '2021-04-24T00:41:52.8193092Z helloworld\n2021-04-24T00:41:52Z no fraction\n2021-04-24T00:41:52.819309212Z  two spaces\n',
    );
    expect(stripTimestamps(archiveText(lines))).toBe('helloworld\nno fraction\n two spaces\n');
  });
});

describe('newLines', () => {
  it('takes each line once from reads of a growing log, bursts of one timestamp included', () => {
    const log = makeLog([{ lines: 3 }, { lines: 500 }, { lines: 1 }, { lines: 250 }, { lines: 2 }]);
    let cursor = EMPTY_CURSOR;
    const taken: string[] = [];
    // reads that end in the middle of a burst
    for (const end of [2, 3, 100, 503, 503, 700, 756]) {
      const step = archive(cursor, log.slice(0, end));
      cursor = step.cursor;
      taken.push(...step.taken.map((line) => line.raw));
      expect(step.gap).toBe(false);
    }
    expect(taken).toEqual(log);
    expect(cursor).toMatchObject({ lines: 756, gaps: 0, sameTime: 2 });
  });

  it('finds its place in a log ACI cut from the front (4 MB while running, 1,000 lines once stopped)', () => {
    const log = makeLog([{ lines: 1500 }, ...Array.from({ length: 250 }, () => ({ lines: 5 }))]);
    let cursor = archive(EMPTY_CURSOR, log.slice(0, 2000)).cursor;
    // the container stopped: only its last 1,000 lines are left, and they reach back past the cursor
    const step = archive(cursor, log.slice(-1000));
    expect(step.gap).toBe(false);
    expect(step.taken.map((line) => line.raw)).toEqual(log.slice(2000));
    cursor = step.cursor;
    expect(cursor.lines).toBe(log.length);
  });

  it('finds its place inside a burst of one timestamp that ACI cut, by the last line it archived', () => {
    const log = makeLog([{ lines: 10 }, { lines: 3000 }]);
    const cursor = archive(EMPTY_CURSOR, log.slice(0, 2500)).cursor;
    const step = archive(cursor, log.slice(-1000));
    expect(step.gap).toBe(false);
    expect(step.taken.map((line) => line.raw)).toEqual(log.slice(2500));
  });

  it('counts a gap when ACI dropped lines the archive never saw, and takes only later lines', () => {
    const log = makeLog(Array.from({ length: 3000 }, () => ({ lines: 1 })));
    const cursor = archive(EMPTY_CURSOR, log.slice(0, 1000)).cursor;
    const step = archive(cursor, log.slice(-1000));
    expect(step.gap).toBe(true);
    expect(step.taken.map((line) => line.raw)).toEqual(log.slice(-1000));
    expect(step.cursor.gaps).toBe(1);
  });

  it('never doubles a line when a cut burst repeats the same text (ambiguous: a gap instead)', () => {
    const log = makeLog([{ lines: 5 }, { lines: 2000, text: () => 'same' }, { lines: 3 }]);
    const cursor = archive(EMPTY_CURSOR, log.slice(0, 1500)).cursor;
    const step = archive(cursor, log.slice(-1000));
    expect(step.gap).toBe(true);
    expect(step.taken.map((line) => line.raw)).toEqual(log.slice(-3));
  });

  it('takes every line exactly once for any reads of a log ACI does not cut (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (sizes, cuts, repeat) => {
          const log = makeLog(sizes.map((lines) => ({ lines, text: repeat ? () => 'x' : undefined })));
          const ends = [...cuts.map((cut) => cut % (log.length + 1)), log.length].sort((a, b) => a - b);
          let cursor = EMPTY_CURSOR;
          const taken: string[] = [];
          for (const end of ends) {
            const step = archive(cursor, log.slice(0, end));
            cursor = step.cursor;
            taken.push(...step.taken.map((line) => line.raw));
          }
          expect(taken).toEqual(log);
          expect(cursor.gaps).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never takes a line twice, and counts a gap whenever it may have missed one, for reads of a log cut from the front (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 10 }),
        (sizes, windows) => {
          const log = makeLog(sizes.map((lines) => ({ lines })));
          let cursor = EMPTY_CURSOR;
          const taken: string[] = [];
          let end = 0;
          for (const [grow, keep] of windows) {
            end = Math.min(log.length, end + (grow % 50));
            // until something is archived a read finds the whole log (ACI cuts only beyond 4 MB, which a
            // first read notices)
            const start = cursor.lines === 0 ? 0 : Math.max(0, end - 1 - (keep % 60));
            const step = archive(cursor, log.slice(start, end));
            cursor = step.cursor;
            taken.push(...step.taken.map((line) => line.raw));
          }
          // in order, no line twice
          const positions = taken.map((line) => log.indexOf(line));
          expect([...positions].sort((a, b) => a - b)).toEqual(positions);
          expect(new Set(taken).size).toBe(taken.length);
          // every line up to the end is there, unless a gap was counted
          if (cursor.gaps === 0) expect(taken).toEqual(log.slice(0, positions.at(-1)! + 1 || 0));
        },
      ),
      { numRuns: 300 },
    );
  });
});
