/**
 * The numbers in ACI's quota error, e.g. "...container group quota 'StandardCores' exceeded in region 'eastus'.
 * Limit: '10', Usage: '10' Requested: '1'", as a reading the ledger corrects its books with. Pure.
 */
import type { QuotaReading } from '../shared/capacity';

const QUOTA_NAMES: Record<string, QuotaReading['name']> = {
  StandardCores: 'cores',
  ContainerGroups: 'groups',
  StandardContainerGroups: 'groups',
};

export function quotaReadingOf(message: string): QuotaReading | undefined {
  const match = /quota '(\w+)' exceeded[^]*?Limit: '(\d+(?:\.\d+)?)', Usage: '(\d+(?:\.\d+)?)'/.exec(message);
  const name = match && QUOTA_NAMES[match[1]!];
  if (!name) return undefined;
  return { name, limit: Number(match[2]), used: Number(match[3]) };
}
