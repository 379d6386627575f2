import { formatBytes } from '../../shared/dom.js';

/** Nearest-rank percentile (`p` in 0..1); undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "0.5 s", "1 s", "250 ms": how the page names an interval. */
export function formatInterval(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}

/** Whole bytes per event, or undefined before the first event. */
export function perEvent(sizeBytes: number, events: number): number | undefined {
  return events === 0 ? undefined : Math.round(sizeBytes / events);
}

export function formatPerEvent(sizeBytes: number | undefined): string {
  return sizeBytes === undefined ? '–' : formatBytes(sizeBytes);
}

/** "1 request", "3 requests". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
