/**
 * An ACI account's limits as the bench sets them twice over: in the emulator (its quotas and create/delete
 * windows) and in the worker's capacity configuration (the ledger's view of the same account).
 */
import type { EmulatorOptions } from '../dev/emulator';
import type { CapacityPlan } from './options';

export type AccountLimits = CapacityPlan['limits'];

/**
 * Limits far above what a scenario uses (`slots` groups and cores, windows and reads of a million), so that
 * only what the scenario measures holds runs back; the ARM read budget is raised too, so that the monitor's
 * floor (groups / reads per second) stays far below the intervals the scenarios set.
 */
export function unlimitedAccount(slots = 5_000): AccountLimits & { armReadsPerSecond: number } {
  return {
    cores: slots,
    groups: slots,
    createsPer5Min: 1_000_000,
    createsPerHour: 1_000_000,
    deletesPer5Min: 1_000_000,
    deletesPerHour: 1_000_000,
    armReadsPerSecond: 1_000_000,
  };
}

/** The emulator's quotas and create/delete windows for an account of these limits. */
export function emulatorAccount(limits: AccountLimits): Pick<EmulatorOptions, 'quotas' | 'rateLimits'> {
  return {
    quotas: { containerGroups: limits.groups, cores: limits.cores },
    rateLimits: {
      createsPer5Min: limits.createsPer5Min,
      createsPerHour: limits.createsPerHour,
      deletesPer5Min: limits.deletesPer5Min,
      deletesPerHour: limits.deletesPerHour,
    },
  };
}
