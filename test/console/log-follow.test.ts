/**
 * Following an archived log (src/console/job/log-follow.ts): the headers of the log route read as the API
 * writes them, each read after the first asks only for what was appended, a newer attempt is taken from its
 * start, and the reads stop once nothing more can come.
 */
import { describe, expect, it } from 'vitest';
import {
  applyLogChunk,
  logChunkOf,
  logRequestQuery,
  nextLogRequest,
  NO_LOG,
  type FollowedLog,
  type LogChunk,
  type LogRequest,
} from '../../src/console/job/log-follow';

const headers = (values: Record<string, string>) => new Headers(values);
const chunk = (
  attempt: number,
  attempts: number[],
  bytes: number,
  sealed: boolean,
  text: string,
): LogChunk => ({
  attempt,
  attempts,
  bytes,
  sealed,
  text,
});

describe('one answer of the log route', () => {
  it('reads the attempt, the attempts, the size and whether it is sealed from the headers', () => {
    expect(
      logChunkOf(
        headers({
          'x-aci-batch-attempt': '2',
          'x-aci-batch-attempts': '1,2',
          'x-aci-batch-log-bytes': '1234',
          'x-aci-batch-log-sealed': 'false',
        }),
        'line\n',
      ),
    ).toEqual(chunk(2, [1, 2], 1234, false, 'line\n'));
    // without the attempt header: the latest listed
    expect(
      logChunkOf(headers({ 'x-aci-batch-attempts': '1,3', 'x-aci-batch-log-sealed': 'true' }), ''),
    ).toEqual(chunk(3, [1, 3], 0, true, ''));
  });

  it('asks for an attempt and an offset only when they are needed', () => {
    expect(logRequestQuery({ offset: 0 })).toBe('');
    expect(logRequestQuery({ attempt: 2, offset: 0 })).toBe('?attempt=2');
    expect(logRequestQuery({ attempt: 2, offset: 512 })).toBe('?attempt=2&offset=512');
  });
});

/** Reads a log through `answers` (what the API answers to each request), as the console's view does. */
function follow(
  answers: (request: LogRequest) => LogChunk,
  choice: number | 'latest',
  live: () => boolean,
  limit = 20,
): { log: FollowedLog; requests: LogRequest[] } {
  let log = NO_LOG;
  const requests: LogRequest[] = [];
  let readSinceEnded = false;
  for (let i = 0; i < limit; i++) {
    const isLive = live();
    const request = nextLogRequest(log, choice, isLive, readSinceEnded);
    if (!request) break;
    requests.push(request);
    log = applyLogChunk(log, request, answers(request));
    if (!isLive) readSinceEnded = true;
  }
  return { log, requests };
}

describe('following a log', () => {
  it('reads the archive whole once, then only what was appended, until it is sealed', () => {
    // an archive that grows by one line a read: "a\n", "b\n", ... (2 bytes each, timestamps aside)
    const lines = ['a\n', 'b\n', 'c\n', 'd\n'];
    let written = 1;
    const answers = (request: LogRequest) => {
      const text = lines.slice(request.offset / 2, written).join('');
      const answer = chunk(1, [1], written * 2, written === lines.length, text);
      written = Math.min(lines.length, written + 1);
      return answer;
    };
    const { log, requests } = follow(answers, 'latest', () => true);
    expect(log.text).toBe('a\nb\nc\nd\n');
    expect(log.sealed).toBe(true);
    expect(requests[0]).toEqual({ attempt: undefined, offset: 0 });
    expect(requests.slice(1, 4)).toEqual([
      { attempt: 1, offset: 2 },
      { attempt: 1, offset: 4 },
      { attempt: 1, offset: 6 },
    ]);
  });

  it('takes a newer attempt from its start when following the latest, and stops once the instance ended', () => {
    let reads = 0;
    const answers = (request: LogRequest): LogChunk => {
      reads++;
      if (request.attempt === 2) return chunk(2, [1, 2], 4, reads > 3, request.offset ? '' : 'x\ny\n');
      // attempt 1 is sealed; attempt 2 appears on the third read
      return chunk(1, reads >= 3 ? [1, 2] : [1], 6, true, request.offset ? '' : 'a\nb\nc\n');
    };
    let ended = false;
    const { log, requests } = follow(answers, 'latest', () => {
      ended = reads >= 5;
      return !ended;
    });
    expect(log).toMatchObject({ attempt: 2, attempts: [1, 2], text: 'x\ny\n', sealed: true });
    expect(requests.slice(0, 4)).toEqual([
      { attempt: undefined, offset: 0 },
      { attempt: 1, offset: 6 },
      { attempt: 1, offset: 6 },
      { attempt: 2, offset: 0 },
    ]);
  });

  it('reads a chosen sealed attempt once, and an ended instance’s log without a seal once more at most', () => {
    const sealed = follow(
      () => chunk(1, [1, 2], 6, true, 'a\nb\nc\n'),
      1,
      () => true,
    );
    expect(sealed.requests).toEqual([{ attempt: 1, offset: 0 }]);
    expect(sealed.log.text).toBe('a\nb\nc\n');

    const unsealed = follow(
      (request) => chunk(2, [1, 2], 6, false, request.offset ? '' : 'a\nb\nc\n'),
      'latest',
      () => false,
    );
    expect(unsealed.requests).toEqual([{ attempt: undefined, offset: 0 }]);
  });

  it('never doubles a line: an answer for another place or attempt is left out', () => {
    const log: FollowedLog = { attempt: 1, attempts: [1], bytes: 4, text: 'a\nb\n', sealed: false };
    expect(applyLogChunk(log, { attempt: 1, offset: 2 }, chunk(1, [1], 4, false, 'b\n'))).toBe(log);
    expect(applyLogChunk(log, { attempt: 1, offset: 4 }, chunk(2, [1, 2], 8, false, 'z\n'))).toBe(log);
    expect(applyLogChunk(log, { attempt: 1, offset: 4 }, chunk(1, [1], 6, true, 'c\n'))).toEqual({
      attempt: 1,
      attempts: [1],
      bytes: 6,
      text: 'a\nb\nc\n',
      sealed: true,
    });
  });
});
