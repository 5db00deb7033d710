/** Summaries of samples: nearest-rank percentiles, so every reported value is one that was measured. */
export interface Distribution {
  n: number;
  median: number;
  p95: number;
  p99: number;
}

export function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { n: sorted.length, median: rank(0.5), p95: rank(0.95), p99: rank(0.99) };
}

export function median(samples: number[]): number {
  return distribution(samples).median;
}

/** The nearest-rank `q` quantile (0 < q ≤ 1); NaN without samples. */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
