/**
 * The runs' storage against a real Azurite (the local default): the archive appends each line once, also when
 * an append's answer was lost or two appends race, and seals; outputs are listed with size and MD5; a run's
 * upload grant (a real SAS, checked by Azurite) writes that one blob and nothing else: not another name, not a
 * sibling run's place, no read, no list; retention deletes what is older than the cutoff.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../dev/azurite';
import { attemptLogBlob, EMPTY_CURSOR, runStoragePrefix, type RunStorageRef } from '../../src/shared/storage';
import { archiveRead } from '../../src/storage/log-archive';
import { parseLogContent } from '../../src/storage/log-lines';
import { RunStorage } from '../../src/storage/run-storage';

let azurite: Azurite;
let storage: RunStorage;

beforeAll(async () => {
  azurite = await startAzurite();
  storage = new RunStorage(azurite.storageConfig({ containerPrefix: `t${randomBytes(4).toString('hex')}` }));
});
afterAll(() => azurite?.stop());

const run = (index: number): RunStorageRef => ({
  tenant: 'acme',
  jobId: 'nightly',
  instanceIndex: index,
  runKey: '3f2a6c1e-0000-4000-8000-000000000001',
});

function logOf(count: number, from = 1): string {
  let text = '';
  for (let i = from; i < from + count; i++) {
    text += `2026-11-24T05:15:${String(Math.floor(i / 100) % 60).padStart(2, '0')}.000000${i % 100 < 50 ? 1 : 2}Z line ${i}\n`;
  }
  return text;
}

async function blobText(name: string): Promise<string> {
  return (await storage.logs.getBlobClient(name).downloadToBuffer()).toString('utf8');
}

describe('the log archive', () => {
  it('appends each line once across reads, after a lost answer and after a racing append, then seals', async () => {
    const blob = attemptLogBlob(run(0), 1);
    const full = logOf(600);
    const lines = full.split('\n').slice(0, -1);
    const read = (count: number) => parseLogContent(lines.slice(0, count).join('\n') + '\n');

    const first = await archiveRead(storage, blob, read(200), EMPTY_CURSOR, { metadata: { attempt: '1' } });
    expect(first).toMatchObject({ appended: 200, gap: false });
    // an append whose answer was lost: the next try starts from the old cursor
    const lost = await archiveRead(storage, blob, read(300), first.cursor);
    const retried = await archiveRead(storage, blob, read(350), first.cursor);
    expect(retried.appended).toBe(50);
    expect(retried.cursor).toEqual({
      ...lost.cursor,
      lines: 350,
      bytes: retried.cursor.bytes,
      lastTime: retried.cursor.lastTime,
      sameTime: retried.cursor.sameTime,
      last: retried.cursor.last,
    });
    // two appends racing from the same cursor: one wins, the other catches up
    const [a, b] = await Promise.all([
      archiveRead(storage, blob, read(500), retried.cursor),
      archiveRead(storage, blob, read(520), retried.cursor),
    ]);
    const ahead = a.cursor.lines > b.cursor.lines ? a.cursor : b.cursor;
    const sealed = await archiveRead(storage, blob, read(600), ahead, { seal: true });
    expect(sealed.cursor).toMatchObject({ lines: 600, sealed: true, gaps: 0 });
    expect(await blobText(blob)).toBe(full);
    // sealed: nothing more is appended, and an attempt to says so without failing
    const again = await archiveRead(storage, blob, parseLogContent(logOf(10, 601)), first.cursor, {
      seal: true,
    });
    expect(again.cursor.sealed).toBe(true);
    expect(await blobText(blob)).toBe(full);
    const listed = await storage.listAttemptLogs(run(0));
    expect(listed).toEqual([{ attempt: 1, blob, bytes: Buffer.byteLength(full), sealed: true }]);
  });

  it('seals an empty blob for an attempt that logged nothing, and reads from an offset', async () => {
    const blob = attemptLogBlob(run(1), 2);
    const result = await archiveRead(storage, blob, [], EMPTY_CURSOR, { seal: true });
    expect(result.cursor).toMatchObject({ lines: 0, bytes: 0, sealed: true });
    expect(await blobText(blob)).toBe('');
    const logged = attemptLogBlob(run(1), 3);
    await archiveRead(storage, logged, parseLogContent(logOf(5)), EMPTY_CURSOR);
    const tail = await storage.readAttemptLog(run(1), 3, { offset: Buffer.byteLength(logOf(3)) });
    const chunks: Buffer[] = [];
    for await (const chunk of tail!.stream) chunks.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(chunks).toString()).toBe(logOf(2, 4));
    expect(await storage.readAttemptLog(run(1), 9)).toBeUndefined();
  });
});

const put = (url: string, body: Buffer | string) =>
  fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body });

describe('outputs and their grants', () => {
  it('lets a run write its own blob with its grant, and lists it with size and MD5', async () => {
    const grant = await storage.grantUpload(run(0), 'results/summary.csv', new Date(Date.now() + 60_000));
    const body = randomBytes(10_000);
    expect((await put(grant.uploadUrl, body)).status).toBe(201);
    // the same grant again overwrites (a retried upload)
    expect((await put(grant.uploadUrl, body)).status).toBe(201);
    const outputs = await storage.listOutputs(run(0));
    expect(outputs).toEqual([
      {
        name: 'results/summary.csv',
        size: 10_000,
        contentMd5: createHash('md5').update(body).digest('base64'),
        lastModified: expect.any(String) as string,
      },
    ]);
    const read = await storage.readOutput(run(0), 'results/summary.csv');
    const chunks: Buffer[] = [];
    for await (const chunk of read!.stream) chunks.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });

  it("refuses a grant's use for any other blob, for reading and for listing (403 from the storage service)", async () => {
    const grant = await storage.grantUpload(run(0), 'a.txt', new Date(Date.now() + 60_000));
    const url = new URL(grant.uploadUrl);
    const elsewhere = (path: string) => `${url.origin}${path}${url.search}`;
    const sibling = url.pathname.replace(`/${runStoragePrefix(run(0))}`, `/${runStoragePrefix(run(1))}`);
    expect(sibling).not.toBe(url.pathname);
    // another run's place, another name in its own place, the container
    expect((await put(elsewhere(sibling), 'x')).status).toBe(403);
    expect((await put(elsewhere(url.pathname.replace('a.txt', 'b.txt')), 'x')).status).toBe(403);
    expect((await put(grant.uploadUrl, 'mine')).status).toBe(201);
    // no reading, not even its own blob, no listing
    expect((await fetch(grant.uploadUrl)).status).toBe(403);
    expect((await fetch(elsewhere(sibling))).status).toBe(403);
    const container = url.pathname.slice(0, url.pathname.indexOf('/', 1 + url.pathname.indexOf('/', 1)));
    expect((await fetch(`${url.origin}${container}${url.search}&restype=container&comp=list`)).status).toBe(
      403,
    );
    // an expired grant
    const expired = await storage.grantUpload(run(0), 'late.txt', new Date(Date.now() - 1000));
    expect((await put(expired.uploadUrl, 'x')).status).toBe(403);
    // names that would leave the run's place are refused before anything is signed
    for (const name of ['../1/x', '/abs', 'a//b', 'a/../b', '.hidden', 'a\\b', 'x%2F..', '']) {
      await expect(storage.grantUpload(run(0), name, new Date(Date.now() + 60_000))).rejects.toThrow();
    }
  });
});

describe('retention', () => {
  it('deletes the logs and outputs older than the cutoff, and nothing newer', async () => {
    const scratch = new RunStorage(
      azurite.storageConfig({ containerPrefix: `r${randomBytes(4).toString('hex')}` }),
    );
    await archiveRead(scratch, attemptLogBlob(run(0), 1), parseLogContent(logOf(3)), EMPTY_CURSOR);
    const grant = await scratch.grantUpload(run(0), 'out.bin', new Date(Date.now() + 60_000));
    await put(grant.uploadUrl, 'data');
    expect(await scratch.deleteOlderThan(new Date(Date.now() - 3600_000))).toBe(0);
    expect(await scratch.deleteOlderThan(new Date(Date.now() + 1000))).toBe(2);
    expect(await scratch.listAttemptLogs(run(0))).toEqual([]);
    expect(await scratch.listOutputs(run(0))).toEqual([]);
  });
});
