/** The emulator's small parts on their own: log buffer, budgets, image catalogue, addresses, time formats. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ContainerLog } from '../../dev/emulator/container-log';
import { FaultInjector } from '../../dev/emulator/faults';
import { DEFAULT_IMAGES_FILE, PROJECT_ROOT, loadImageMap, resolveImage } from '../../dev/emulator/images';
import { LoopbackPool } from '../../dev/emulator/ip-pool';
import { Accounts, DEFAULT_ACCOUNT_DEFAULTS } from '../../dev/emulator/accounts';
import { DEFAULT_RATE_LIMITS, RateLimiter } from '../../dev/emulator/rate-limits';
import { ReadThrottle } from '../../dev/emulator/read-throttle';
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

  it('keeps 4 MB while the container runs', () => {
    const log = new ContainerLog();
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 5 * 1024; i++) log.write('stdout', line);
    expect(log.lineCount).toBe(4 * 1024);
  });

  it('gives the lines of one write one timestamp, and never an earlier one than the line before', () => {
    const log = new ContainerLog();
    log.write('stdout', 'started ');
    log.write('stderr', 'a\nb\nc\n');
    log.write('stdout', 'later\n');
    const stamps = log
      .render({ timestamps: true })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(0, line.indexOf(' ')));
    expect(stamps).toHaveLength(4);
    expect(new Set(stamps.slice(0, 3)).size).toBe(1);
    expect([...stamps].sort()).toEqual(stamps);
  });

  it('keeps only the last 1,000 lines or 16 KB once the container has stopped, as ACI does', () => {
    const short = new ContainerLog();
    for (let i = 1; i <= 5000; i++) short.write('stdout', `${i}\n`);
    short.cutDown();
    expect(short.lineCount).toBe(1000);
    expect(short.render().split('\n')[0]).toBe('4001');

    const long = new ContainerLog();
    for (let i = 1; i <= 5000; i++) long.write('stdout', `line ${String(i).padStart(26, '0')}\n`);
    long.cutDown();
    // 32 bytes a line: 512 lines make 16 KB
    expect(long.lineCount).toBe(512);
    expect(Buffer.byteLength(long.render())).toBe(16 * 1024);
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

describe('RateLimiter with a time scale', () => {
  it('compresses both windows and the Retry-After; limits can come with each call', () => {
    const limiter = new RateLimiter(DEFAULT_RATE_LIMITS, 0.01);
    const limits = { ...DEFAULT_RATE_LIMITS, createsPer5Min: 2, createsPerHour: 3 };
    const t0 = 1_000_000;
    expect(limiter.take('create', 's|eastus', t0, limits).allowed).toBe(true);
    expect(limiter.take('create', 's|eastus', t0 + 500, limits).allowed).toBe(true);
    const fiveMin = limiter.take('create', 's|eastus', t0 + 1_000, limits);
    expect(fiveMin.allowed).toBe(false);
    // 5 min × 0.01 = 3 s: the oldest leaves the window 2 s from now
    if (!fiveMin.allowed) expect(fiveMin.error.headers['retry-after']).toBe('2');
    expect(limiter.take('create', 's|eastus', t0 + 3_001, limits).allowed).toBe(true);
    // 1 h × 0.01 = 36 s: three in the hour window, the 4th waits for the first to leave it
    const hour = limiter.take('create', 's|eastus', t0 + 7_000, limits);
    expect(hour.allowed).toBe(false);
    if (!hour.allowed) {
      expect(hour.error.headers['retry-after']).toBe('29');
      expect(hour.error.message).toContain("for time interval '01:00:00'");
    }
    expect(limiter.take('create', 's|eastus', t0 + 36_001, limits).allowed).toBe(true);
    // the constructor's limits when a call names none
    expect(limiter.take('create', 's|westus', t0).allowed).toBe(true);
    expect(() => new RateLimiter(DEFAULT_RATE_LIMITS, 0)).toThrow(/timeScale/);
  });
});

describe('ReadThrottle', () => {
  it('a bucket per subscription: a burst of `capacity`, then one read per 1/refill seconds', () => {
    const throttle = new ReadThrottle({ capacity: 3, refillPerSecond: 2 });
    const t0 = 5_000;
    const answers = [0, 1, 2, 3].map(() => throttle.take('sub-a', t0));
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers[0]).toEqual({
      allowed: true,
      headers: { 'x-ms-ratelimit-remaining-subscription-reads': '2' },
    });
    const refused = answers[3];
    if (refused?.allowed !== false) throw new Error('expected a refusal');
    expect(refused.error.statusCode).toBe(429);
    expect(refused.error.code).toBe('SubscriptionRequestsThrottled');
    expect(refused.error.headers).toEqual({
      'x-ms-ratelimit-remaining-subscription-reads': '0',
      'retry-after': '1',
    });
    expect(throttle.take('SUB-B', t0).allowed).toBe(true);
    expect(throttle.take('sub-a', t0 + 400).allowed).toBe(false);
    expect(throttle.take('sub-a', t0 + 500).allowed).toBe(true);
    // never more than the capacity
    expect(throttle.take('sub-a', t0 + 60_000)).toMatchObject({
      headers: { 'x-ms-ratelimit-remaining-subscription-reads': '2' },
    });
    throttle.configure({ capacity: 1 }, t0 + 60_000);
    expect(throttle.take('sub-a', t0 + 60_000).allowed).toBe(true);
    expect(throttle.take('sub-a', t0 + 60_000).allowed).toBe(false);
    throttle.configure(false);
    expect(throttle.take('sub-a', t0 + 60_000)).toEqual({ allowed: true, headers: {} });
  });
});

describe('Accounts', () => {
  it('layers defaults, region-wide and per-subscription overrides; outages add up', () => {
    const accounts = new Accounts(DEFAULT_ACCOUNT_DEFAULTS, [
      { region: 'East US', quotas: { cores: 10 }, rateLimits: { createsPer5Min: 5 } },
      { subscriptionId: 'SUB-1', region: 'eastus', quotas: { containerGroups: 2 }, spot: true },
    ]);
    expect(accounts.settings('sub-1', 'eastus')).toEqual({
      subscriptionId: 'sub-1',
      region: 'eastus',
      quotas: { containerGroups: 2, cores: 10, spotCores: 10 },
      rateLimits: { ...DEFAULT_RATE_LIMITS, createsPer5Min: 5 },
      spot: true,
    });
    expect(accounts.settings('sub-2', 'eastus')).toMatchObject({
      quotas: { containerGroups: 100, cores: 10 },
      spot: false,
    });
    expect(accounts.settings('sub-2', 'westeurope')).toMatchObject({ quotas: { cores: 100 }, spot: true });

    const now = 1_000_000;
    accounts.setOutage('eastus', { durationMs: 1_000 }, undefined, now);
    expect(accounts.inOutage('sub-1', 'eastus', now + 999)).toBe(true);
    expect(accounts.inOutage('sub-2', 'eastus', now + 1_000)).toBe(false);
    accounts.setOutage('eastus', true, 'sub-1', now);
    accounts.setOutage('eastus', false, undefined, now);
    expect(accounts.inOutage('sub-1', 'eastus', now)).toBe(true);
    expect(accounts.inOutage('sub-2', 'eastus', now)).toBe(false);
    accounts.setOutage('westus', { start: new Date(now + 10).toISOString(), end: now + 20 });
    expect(accounts.inOutage('sub-2', 'westus', now + 5)).toBe(false);
    expect(accounts.settings('sub-2', 'westus', now + 15).outage).toEqual({ start: now + 10, end: now + 20 });
    expect(() => accounts.configure('eastus', { quotas: { nope: 1 } } as never)).toThrow();
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
