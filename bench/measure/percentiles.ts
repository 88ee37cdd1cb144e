/**
 * Latency summaries: nearest-rank percentiles over a list of samples.
 *
 * @module
 */

/** Summary of a list of samples, in the samples' own unit. */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The `p`-quantile (0…1) of `sorted` (ascending), nearest rank on `n - 1`
 * (the same rule as the peer reference script). Throws on an empty list.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 3 (round(0.5 * 3) = index 2)
 * ```
 */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("Cannot take a quantile: no samples");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`Cannot take quantile "${p}": not within 0…1`);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))));
  return sorted[index];
}

/** Median as usual (mean of the two middle values for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError("Cannot take a median: no samples");
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** min, p50, p90, p99, max and mean of `samples`. Throws on an empty list. */
export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) throw new RangeError("Cannot summarize: no samples");
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    n: s.length,
    min: s[0],
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    max: s[s.length - 1],
    mean: sum / s.length,
  };
}
