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
  /** Spot groups cost this fraction of the Regular price (ACI: up to 70% less); default 0.3 */
  spotPriceFactor?: number;
}

/** eastus Linux list prices (indicative); GPUs are not priced. */
export const DEFAULT_ACI_PRICES: AciPrices = { vcpuHourUsd: 0.0405, memoryGbHourUsd: 0.00445 };
/** Spot's share of the Regular price when the prices do not say. */
export const DEFAULT_SPOT_PRICE_FACTOR = 0.3;

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

/** A run's cost with its Spot seconds (part of `billedSeconds`) priced apart. */
export function runCostUsd(
  billed: { billedSeconds: number; spotSeconds?: number },
  resources: BilledResources,
  prices: AciPrices,
): number {
  const spotSeconds = billed.spotSeconds ?? 0;
  const regular = containerCostUsd(billed.billedSeconds - spotSeconds, resources, prices);
  const spot =
    containerCostUsd(spotSeconds, resources, prices) * (prices.spotPriceFactor ?? DEFAULT_SPOT_PRICE_FACTOR);
  return roundUsd(regular + spot);
}

/** Sums of many small costs drift in binary floating point; round to a millionth of a dollar. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
