/** Ratios of each target against the baselines measured in the same run (plain node:http, nchan). */
import type { CellResult, IdleCell, ThroughputCell } from '../results.js';

export const BASELINES = ['plain-node', 'nchan'] as const;

export function throughputPeer(
  cells: readonly CellResult[],
  cell: ThroughputCell,
  baseline: string,
): ThroughputCell | undefined {
  return cells.find(
    (c): c is ThroughputCell =>
      c.kind === 'throughput' &&
      c.target === baseline &&
      c.subscribersRequested === cell.subscribersRequested &&
      c.mode === cell.mode,
  );
}

export function idlePeer(
  cells: readonly CellResult[],
  cell: IdleCell,
  baseline: string,
): IdleCell | undefined {
  return cells.find(
    (c): c is IdleCell =>
      c.kind === 'idle' && c.target === baseline && c.connectionsRequested === cell.connectionsRequested,
  );
}

/** `×1.84`, or `–` when either side is missing or not a number. */
export function ratio(value: number, base: number | undefined): string {
  if (base === undefined || !Number.isFinite(value) || !Number.isFinite(base) || base === 0) return '–';
  return `×${(value / base).toFixed(2)}`;
}
