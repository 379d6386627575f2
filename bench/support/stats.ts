/** Nearest-rank percentiles of a sample, and the ratio formatting the bench tables share. */

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

/** p50/p99/max of `values` (unsorted; not modified). NaN for an empty sample. */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

/** Nearest rank on an ascending sample: the smallest value with at least p% of the sample at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}

/** `value / baseline` as `×1.00`, or `–` when the baseline is zero or missing. */
export function ratio(value: number, baseline: number): string {
  if (!Number.isFinite(baseline) || baseline === 0) return '–';
  return `×${(value / baseline).toFixed(2)}`;
}

/** Milliseconds with one decimal (latencies measured with `performance.now`). */
export function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '–';
}
