/**
 * The publish-throughput section: publishes/s and server CPU per publish at each depth, the ratios
 * against nchan and against Herald's memory store measured in the same run, and the targets of
 * issue 16 (Herald on the memory store ≥ 1.5× nchan at every depth; on SQLite, with
 * `synchronous=FULL`, ≥ 0.8× the memory store at depth 8).
 */
import type { PublishThroughputCell } from '../results.js';
import { ratio } from './ratios.js';

const VS_NCHAN_TARGET = 1.5;
const SQLITE_VS_MEMORY_TARGET = 0.8;
const SQLITE_TARGET_DEPTH = 8;

function grouped(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function peer(cells: readonly PublishThroughputCell[], target: string, depth: number) {
  return cells.find((c) => c.target === target && c.depth === depth);
}

function targetRow(
  what: string,
  depth: number,
  cell: PublishThroughputCell | undefined,
  base: PublishThroughputCell | undefined,
  needed: number,
): string {
  const value = cell !== undefined && base !== undefined ? cell.publishesPerSec / base.publishesPerSec : NaN;
  const met = Number.isFinite(value) ? (value >= needed ? 'yes' : 'no') : '–';
  return `| ${what} | ${depth} | ≥ ×${needed.toFixed(2)} | ${Number.isFinite(value) ? `×${value.toFixed(2)}` : '–'} | ${met} |`;
}

export function publishThroughputSection(cells: readonly PublishThroughputCell[]): string[] {
  if (cells.length === 0) return [];
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  const first = cells[0]!;
  const rows = [...cells]
    .sort((a, b) => a.depth - b.depth)
    .map((c) => {
      const nchan = peer(cells, 'nchan', c.depth);
      const memory = peer(cells, 'herald-memory', c.depth);
      return `| ${c.depth} | ${c.target} | ${grouped(c.publishesPerSec)} | ${grouped(c.publishesPerSecMin)}–${grouped(c.publishesPerSecMax)} | ${fixed(c.cpuUsPerPublish, 1)} | ${ratio(c.publishesPerSec, nchan?.publishesPerSec)} / ${ratio(c.cpuUsPerPublish, nchan?.cpuUsPerPublish)} | ${ratio(c.publishesPerSec, memory?.publishesPerSec)} / ${ratio(c.cpuUsPerPublish, memory?.cpuUsPerPublish)} |`;
    });
  const targets = [
    ...depths.map((d) =>
      targetRow(
        'herald-memory vs nchan',
        d,
        peer(cells, 'herald-memory', d),
        peer(cells, 'nchan', d),
        VS_NCHAN_TARGET,
      ),
    ),
    targetRow(
      'herald-sqlite vs herald-memory',
      SQLITE_TARGET_DEPTH,
      peer(cells, 'herald-sqlite', SQLITE_TARGET_DEPTH),
      peer(cells, 'herald-memory', SQLITE_TARGET_DEPTH),
      SQLITE_VS_MEMORY_TARGET,
    ),
  ];
  return [
    '## Publish throughput',
    '',
    `One keep-alive connection, *depth* requests in flight (HTTP/1.1 pipelining), no subscriber, ~100-byte payloads (Herald: a urlencoded topic + data form with a publisher JWT; the others: the raw body). Publishes/s is the median of ${first.rounds} run(s) of ${first.seconds} s per target and depth, alternated between targets (min–max beside it); CPU is the server process tree’s user+system time per publish (µs). Ratios: publishes/s / CPU per publish. herald-sqlite runs with \`synchronous=FULL\` (the WAL fsynced at every commit).`,
    '',
    '| depth | target | publishes/s | min–max | CPU µs/publish | vs nchan | vs herald-memory |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    '| target (issue 16) | depth | needed | measured | met |',
    '|---|---:|---:|---:|---|',
    ...targets,
    '',
  ];
}
