/**
 * What a container group costs. ACI bills per second for the vCPU and memory a group requests, from create
 * until it is deleted or stopped. Prices are decided at submission and carried in the workflow input, so a
 * job's cost never depends on which worker replays it. Pure: used by workflows.
 */
export interface AciPrices {
  /** USD per vCPU per hour */
  vcpuHourUsd: number;
  /** USD per GB of memory per hour */
  memoryGbHourUsd: number;
}

/** eastus Linux list prices (indicative); GPUs are not priced. */
export const DEFAULT_ACI_PRICES: AciPrices = { vcpuHourUsd: 0.0405, memoryGbHourUsd: 0.00445 };

export interface BilledResources {
  cpu: number;
  memoryGB: number;
}

/** seconds × (cpu × $/vCPU-s + memoryGB × $/GB-s), rounded to a millionth of a dollar. */
export function containerCostUsd(
  billedSeconds: number,
  resources: BilledResources,
  prices: AciPrices,
): number {
  const perHour = resources.cpu * prices.vcpuHourUsd + resources.memoryGB * prices.memoryGbHourUsd;
  return roundUsd((billedSeconds * perHour) / 3600);
}

/** Sums of many small costs drift in binary floating point; round to a millionth of a dollar. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
