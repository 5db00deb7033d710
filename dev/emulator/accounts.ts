/**
 * ACI accounts: each (subscription, region) has its own quotas, create/delete budgets, Spot availability and
 * capacity outages, as in Azure where all of these are per subscription and region.
 *
 * Settings are layered: the emulator-wide defaults (`quotas`, `rateLimits` options), then a region's
 * overrides (every subscription in that region: `regions[region]`, or an `accounts` entry without
 * `subscriptionId`), then one subscription's overrides in that region (`accounts` entry with
 * `subscriptionId`). A later layer wins field by field; quotas and rate limits merge key by key. Outages
 * add up instead: a region-wide outage hits every subscription there, an account's only that account.
 */
import { z } from 'zod';
import { DEFAULT_QUOTAS, type Quotas } from './engine';
import { normaliseLocation } from './model';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limits';

/** Regions where ACI offers Spot container groups (reference: East US 2, West Europe, West US). */
export const DEFAULT_SPOT_REGIONS: readonly string[] = ['eastus2', 'westeurope', 'westus'];

/**
 * A capacity outage: while it lasts, a PUT that needs capacity answers 409 ServiceUnavailable. `true` is an
 * outage from now on until switched off, `false` ends the one set at that level (region or account); a window runs from `start` (default: when it is set)
 * to `end`, or for `durationMs` after its start (default: no end). Times are epoch ms, Dates or ISO strings,
 * in real time (the time scale does not apply).
 */
export type OutageSetting = boolean | OutageWindow;
export interface OutageWindow {
  start?: number | Date | string;
  end?: number | Date | string;
  durationMs?: number;
}

/**
 * Automatic Spot evictions: every running Spot group of the account is evicted `afterMs` after each
 * (re)start, and restarted by the platform `restartAfterMs` later (undefined: never). `false` switches a
 * region's setting off for an account.
 */
export interface SpotEvictions {
  afterMs: number;
  restartAfterMs?: number;
}

/** What a region or an account may override. */
export interface AccountOverrides {
  quotas?: Partial<Quotas>;
  rateLimits?: Partial<RateLimits>;
  /** Spot container groups allowed (default: only in eastus2, westeurope and westus) */
  spot?: boolean;
  outage?: OutageSetting;
  /** evict Spot groups automatically (default: never; `emulator.evict` evicts one by hand) */
  spotEvictions?: SpotEvictions | false;
}

/** One account's overrides; without `subscriptionId` it applies to every subscription in the region. */
export interface AccountSpec extends AccountOverrides {
  subscriptionId?: string;
  region: string;
}

/** An account's effective settings. */
export interface AccountSettings {
  subscriptionId: string;
  region: string;
  quotas: Quotas;
  rateLimits: RateLimits;
  spot: boolean;
  /** the capacity outage in force now (region-wide or this account's), if any: epoch ms, `end` may be Infinity */
  outage?: { start: number; end: number };
  /** automatic Spot evictions, if any */
  spotEvictions?: SpotEvictions;
}

interface Layer {
  quotas: Partial<Quotas>;
  rateLimits: Partial<RateLimits>;
  spot?: boolean;
  outage?: { start: number; end: number };
  spotEvictions?: SpotEvictions | false;
}

const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
const time = z.union([z.number(), z.date(), z.iso.datetime({ offset: true })]);

export const accountOverridesShape = {
  quotas: z
    .strictObject({
      containerGroups: count,
      cores: z.number().nonnegative(),
      spotCores: z.number().nonnegative(),
    })
    .partial()
    .optional(),
  rateLimits: z
    .strictObject({
      createsPerHour: positive,
      createsPer5Min: positive,
      deletesPerHour: positive,
      deletesPer5Min: positive,
    })
    .partial()
    .optional(),
  spot: z.boolean().optional(),
  outage: z
    .union([
      z.boolean(),
      z.strictObject({
        start: time.optional(),
        end: time.optional(),
        durationMs: z.number().nonnegative().optional(),
      }),
    ])
    .optional(),
  spotEvictions: z
    .union([
      z.literal(false),
      z.strictObject({
        afterMs: z.number().nonnegative(),
        restartAfterMs: z.number().nonnegative().optional(),
      }),
    ])
    .optional(),
};
export const accountOverridesSchema = z.strictObject(accountOverridesShape);
export const accountSpecSchema = z.strictObject({
  ...accountOverridesShape,
  subscriptionId: z.string().min(1).optional(),
  region: z.string().min(1),
});
export const regionsSchema = z.record(z.string().min(1), accountOverridesSchema);

export interface AccountDefaults {
  quotas: Quotas;
  rateLimits: RateLimits;
  /** regions where Spot is allowed unless overridden */
  spotRegions: readonly string[];
}

export const DEFAULT_ACCOUNT_DEFAULTS: AccountDefaults = {
  quotas: DEFAULT_QUOTAS,
  rateLimits: DEFAULT_RATE_LIMITS,
  spotRegions: DEFAULT_SPOT_REGIONS,
};

export class Accounts {
  /** keyed by `region` (region-wide) or `subscription|region` */
  private readonly layers = new Map<string, Layer>();

  constructor(
    private readonly defaults: AccountDefaults = DEFAULT_ACCOUNT_DEFAULTS,
    specs: readonly AccountSpec[] = [],
  ) {
    for (const { subscriptionId, region, ...overrides } of specs)
      this.configure(region, overrides, subscriptionId);
  }

  /** Merges overrides into a region's layer, or one subscription's layer in that region. */
  configure(region: string, overrides: AccountOverrides, subscriptionId?: string, now = Date.now()): void {
    const parsed = accountOverridesSchema.parse(overrides);
    const layer = this.layer(region, subscriptionId);
    if (parsed.quotas) layer.quotas = { ...layer.quotas, ...parsed.quotas };
    if (parsed.rateLimits) layer.rateLimits = { ...layer.rateLimits, ...parsed.rateLimits };
    if (parsed.spot !== undefined) layer.spot = parsed.spot;
    if (parsed.spotEvictions !== undefined) layer.spotEvictions = parsed.spotEvictions;
    if (parsed.outage === false) delete layer.outage;
    else if (parsed.outage !== undefined) layer.outage = resolveOutage(parsed.outage, now);
  }

  setOutage(region: string, outage: OutageSetting, subscriptionId?: string, now = Date.now()): void {
    this.configure(region, { outage }, subscriptionId, now);
  }

  settings(subscriptionId: string, region: string, now = Date.now()): AccountSettings {
    const normalised = normaliseLocation(region);
    const layers = [this.layers.get(normalised), this.layers.get(accountKey(subscriptionId, normalised))];
    let quotas: Quotas = this.defaults.quotas;
    let rateLimits: RateLimits = this.defaults.rateLimits;
    let spot = this.defaults.spotRegions.includes(normalised);
    let outage: { start: number; end: number } | undefined;
    let spotEvictions: SpotEvictions | false = false;
    for (const layer of layers) {
      if (!layer) continue;
      quotas = { ...quotas, ...layer.quotas };
      rateLimits = { ...rateLimits, ...layer.rateLimits };
      if (layer.spot !== undefined) spot = layer.spot;
      if (layer.spotEvictions !== undefined) spotEvictions = layer.spotEvictions;
      if (layer.outage && layer.outage.start <= now && now < layer.outage.end) outage = layer.outage;
    }
    return {
      subscriptionId,
      region: normalised,
      quotas,
      rateLimits,
      spot,
      ...(outage && { outage }),
      ...(spotEvictions && { spotEvictions }),
    };
  }

  /** Whether a capacity outage holds for this account at `now`. */
  inOutage(subscriptionId: string, region: string, now = Date.now()): boolean {
    return this.settings(subscriptionId, region, now).outage !== undefined;
  }

  private layer(region: string, subscriptionId: string | undefined): Layer {
    const normalised = normaliseLocation(region);
    const key = subscriptionId === undefined ? normalised : accountKey(subscriptionId, normalised);
    let layer = this.layers.get(key);
    if (!layer) {
      layer = { quotas: {}, rateLimits: {} };
      this.layers.set(key, layer);
    }
    return layer;
  }
}

function accountKey(subscriptionId: string, region: string): string {
  return `${subscriptionId.toLowerCase()}|${region}`;
}

function resolveOutage(
  outage: true | { start?: number | Date | string; end?: number | Date | string; durationMs?: number },
  now: number,
): { start: number; end: number } {
  if (outage === true) return { start: now, end: Infinity };
  const start = outage.start === undefined ? now : epochMs(outage.start);
  const end =
    outage.end !== undefined
      ? epochMs(outage.end)
      : outage.durationMs !== undefined
        ? start + outage.durationMs
        : Infinity;
  return { start, end };
}

function epochMs(value: number | Date | string): number {
  return typeof value === 'number' ? value : new Date(value).getTime();
}
