/** The emulator's small parts on their own: log buffer, budgets, image catalogue, addresses, time formats. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ContainerLog } from '../../dev/emulator/container-log';
import { FaultInjector } from '../../dev/emulator/faults';
import { DEFAULT_IMAGES_FILE, PROJECT_ROOT, loadImageMap, resolveImage } from '../../dev/emulator/images';
import { LoopbackPool } from '../../dev/emulator/ip-pool';
import { DEFAULT_RATE_LIMITS, RateLimiter } from '../../dev/emulator/rate-limits';
import { formatSeconds, formatTicks } from '../../dev/emulator/time';

describe('ContainerLog', () => {
  it('splits chunks into lines per stream, keeps the time each line began, and flushes partial lines', () => {
    const log = new ContainerLog();
    log.write('stdout', 'hel');
    log.write('stderr', 'err line\n');
    log.write('stdout', 'lo\r\nworld');
    log.flush();
    expect(log.render()).toBe('err line\nhello\nworld\n');
    expect(log.render({ tail: 1 })).toBe('world\n');
    expect(log.render({ tail: 10, timestamps: true })).toMatch(
      /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z (err line|hello|world)\n){3}$/,
    );
  });

  it('drops the oldest lines beyond the byte cap', () => {
    const log = new ContainerLog(21);
    for (let i = 0; i < 10; i++) log.write('stdout', `line-${i}\n`);
    expect(log.render()).toBe('line-7\nline-8\nline-9\n');
  });
});

describe('RateLimiter', () => {
  it('counts down per action and scope and refuses when a window is exhausted, until it frees up', () => {
    const limiter = new RateLimiter({ ...DEFAULT_RATE_LIMITS, createsPer5Min: 2 });
    const t0 = 1_000_000;
    const first = limiter.take('create', 's|eastus', t0);
    expect(first).toEqual({
      allowed: true,
      headers: {
        'x-ms-ratelimit-remaining-subscription-resource-requests-pt1h': '299',
        'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m': '1',
      },
    });
    expect(limiter.take('create', 's|westus', t0).allowed).toBe(true);
    expect(limiter.take('delete', 's|eastus', t0).allowed).toBe(true);
    expect(limiter.take('create', 's|eastus', t0 + 1_000).allowed).toBe(true);
    const refused = limiter.take('create', 's|eastus', t0 + 60_000);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.error.headers['retry-after']).toBe('240');
    expect(limiter.take('create', 's|eastus', t0 + 300_001).allowed).toBe(true);
  });
});

describe('image catalogue', () => {
  it('prefers an exact name, then the longest prefix', () => {
    const images = {
      'registry.io/app:*': { command: ['generic'] },
      'registry.io/app:special*': { command: ['special'] },
      'registry.io/app:1.0': { command: ['exact'], cwd: 'examples' },
    };
    expect(resolveImage(images, 'registry.io/app:1.0')).toEqual({
      command: ['exact'],
      cwd: join(PROJECT_ROOT, 'examples'),
    });
    expect(resolveImage(images, 'registry.io/app:special-2')?.command).toEqual(['special']);
    expect(resolveImage(images, 'registry.io/app:2.0')).toEqual({ command: ['generic'], cwd: PROJECT_ROOT });
    expect(resolveImage(images, 'registry.io/other:1')).toBeUndefined();
  });

  it('loads the repository catalogue with the sample batch job and node images', () => {
    const images = loadImageMap(DEFAULT_IMAGES_FILE);
    expect(resolveImage(images, 'acibatch.azurecr.io/samples/batch-job:1.2.3')?.command).toEqual([
      'node',
      '--import',
      'tsx',
      'examples/batch-job/main.ts',
    ]);
    expect(resolveImage(images, 'node:20-alpine')?.command).toEqual(['node']);
  });

  it('reports a malformed file with the offending entry', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aci-images-')), 'images.yaml');
    writeFileSync(file, 'images:\n  "x:*":\n    command: []\n');
    expect(() => loadImageMap(file)).toThrow(/images\.x:\*\.command/);
    expect(() => loadImageMap(join(tmpdir(), 'does-not-exist.yaml'))).toThrow(/Cannot read/);
  });
});

describe('LoopbackPool', () => {
  it('hands out 127.0.0.2 … 127.0.0.254, then 127.0.1.x, and reuses released addresses', () => {
    const pool = new LoopbackPool();
    const addresses = Array.from({ length: 254 }, () => pool.allocate());
    expect(addresses[0]).toBe('127.0.0.2');
    expect(addresses[252]).toBe('127.0.0.254');
    expect(addresses[253]).toBe('127.0.1.2');
    pool.release('127.0.0.7');
    expect(pool.allocate()).toBe('127.0.0.7');
  });
});

describe('FaultInjector', () => {
  it('fires a probabilistic rule only when the dice say so', () => {
    const rolls = [0.9, 0.1];
    const faults = new FaultInjector(
      [{ kind: 'throttle', operation: 'get', probability: 0.5 }],
      () => rolls.shift() ?? 1,
    );
    expect(faults.takeHttp('get', 'g')).toBeUndefined();
    expect(faults.takeHttp('get', 'g')).toMatchObject({ kind: 'throttle' });
    expect(faults.pending()).toBe(0);
    expect(faults.tally()).toEqual({ 'throttle:get': 1 });
  });
});

describe('time formats', () => {
  it('writes 7 fractional digits for ticks and whole seconds for events', () => {
    const epochMs = Date.UTC(2024, 0, 2, 3, 4, 5, 678) + 0.25;
    expect(formatTicks(epochMs)).toBe('2024-01-02T03:04:05.6782500Z');
    expect(formatSeconds(epochMs)).toBe('2024-01-02T03:04:05Z');
  });
});
