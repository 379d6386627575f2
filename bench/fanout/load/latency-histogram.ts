/**
 * Latency histogram with logarithmic buckets 2% wide, from 1 µs to about 3 hours, in a fixed array.
 * Recording is one log and one increment (no sample list: a cell records millions of deliveries),
 * histograms from several processes merge by adding counts, and a percentile is exact to within 2%.
 * The maximum is kept exactly.
 */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 1200;

export interface HistogramSnapshot {
  counts: number[];
  maxUs: number;
  total: number;
  /** Deliveries whose receive time came before their send time (clock calibration error). */
  negative: number;
}

export class LatencyHistogram {
  readonly counts = new Float64Array(BUCKETS);
  maxUs = 0;
  total = 0;
  negative = 0;

  record(latencyUs: number): void {
    if (latencyUs < 0) {
      this.negative++;
      latencyUs = 0;
    }
    if (latencyUs > this.maxUs) this.maxUs = latencyUs;
    const index = latencyUs < 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(latencyUs) / LOG_GROWTH));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
  }

  reset(): void {
    this.counts.fill(0);
    this.maxUs = 0;
    this.total = 0;
    this.negative = 0;
  }

  snapshot(): HistogramSnapshot {
    return { counts: Array.from(this.counts), maxUs: this.maxUs, total: this.total, negative: this.negative };
  }
}

export function mergeSnapshots(snapshots: readonly HistogramSnapshot[]): HistogramSnapshot {
  const counts = new Array<number>(BUCKETS).fill(0);
  let maxUs = 0;
  let total = 0;
  let negative = 0;
  for (const s of snapshots) {
    s.counts.forEach((n, i) => {
      counts[i] = (counts[i] ?? 0) + n;
    });
    maxUs = Math.max(maxUs, s.maxUs);
    total += s.total;
    negative += s.negative;
  }
  return { counts, maxUs, total, negative };
}

/** The bucket's upper bound at quantile `q` (0..1), never above the exact maximum. */
export function percentileUs(snapshot: HistogramSnapshot, q: number): number {
  if (snapshot.total === 0) return Number.NaN;
  const rank = Math.ceil(q * snapshot.total);
  let seen = 0;
  for (let i = 0; i < snapshot.counts.length; i++) {
    seen += snapshot.counts[i] ?? 0;
    if (seen >= rank) return Math.min(GROWTH ** i, snapshot.maxUs);
  }
  return snapshot.maxUs;
}
