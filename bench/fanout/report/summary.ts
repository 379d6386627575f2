/**
 * The summary the README shows: every target of the fan-out benchmark in one table, Herald's
 * figure beside plain node:http's and nchan's from the same run, the ratio to nchan, the target
 * and whether it is met. Full-speed and fixed-rate CPU per delivery, fixed-rate latency p99,
 * publishes per second on one pipelined connection, and memory per idle connection.
 */
import type { CellResult, IdleCell, PublishThroughputCell, ThroughputCell } from '../results.js';

const HERALD = 'herald-memory';
const HERALD_SQLITE = 'herald-sqlite';

/** Issue 16: fixed-rate CPU per delivery against nchan's, by subscriber count (at most). */
const FIXED_RATE_CPU_VS_NCHAN: Record<number, number> = { 100: 1.0, 1000: 0.8, 10000: 0.8 };
/** Full speed, the earlier targets, in µs per delivery (at most). */
const FULL_SPEED_CPU_US: Record<number, number> = { 100: 2.5, 1000: 3.5, 10000: 6 };
const PUBLISH_VS_NCHAN = 1.5;
const SQLITE_VS_MEMORY_DEPTH = 8;
const SQLITE_VS_MEMORY = 0.8;
const IDLE_KIB = 6;

type Row = [
  measure: string,
  herald: string,
  sqlite: string,
  plain: string,
  nchan: string,
  vsNchan: string,
  target: string,
  met: string,
];

const num = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const times = (value: number | undefined, base: number | undefined): number | undefined =>
  value === undefined || base === undefined || base === 0 ? undefined : value / base;
const metOf = (isMet: boolean | undefined): string => (isMet === undefined ? '–' : isMet ? 'yes' : 'no');

export function summarySection(cells: readonly CellResult[]): string[] {
  const throughput = (target: string, subs: number, mode: ThroughputCell['mode']) =>
    cells.find(
      (c): c is ThroughputCell =>
        c.kind === 'throughput' && c.target === target && c.subscribersRequested === subs && c.mode === mode,
    );
  const idle = (target: string, n: number) =>
    cells.find(
      (c): c is IdleCell => c.kind === 'idle' && c.target === target && c.connectionsRequested === n,
    );
  const publish = (target: string, depth: number) =>
    cells.find(
      (c): c is PublishThroughputCell =>
        c.kind === 'publish-throughput' && c.target === target && c.depth === depth,
    );
  const rows: Row[] = [];
  const subsCounts = [
    ...new Set(
      cells.flatMap((c) => (c.kind === 'throughput' && c.target === HERALD ? [c.subscribersRequested] : [])),
    ),
  ].sort((a, b) => a - b);
  for (const mode of ['full-speed', 'fixed-rate'] as const) {
    for (const subs of subsCounts) {
      const at = (target: string) => throughput(target, subs, mode)?.cpuUsPerDelivery;
      const herald = at(HERALD);
      const vsNchan = times(herald, at('nchan'));
      const label = `CPU µs per delivery, ${subs.toLocaleString('en-US')} subs, ${mode === 'full-speed' ? 'full speed' : 'one event at a time'}`;
      const [target, met] =
        mode === 'full-speed'
          ? FULL_SPEED_CPU_US[subs] === undefined
            ? ['–', undefined]
            : [
                `≤ ${FULL_SPEED_CPU_US[subs]} µs`,
                herald === undefined ? undefined : herald <= FULL_SPEED_CPU_US[subs]!,
              ]
          : FIXED_RATE_CPU_VS_NCHAN[subs] === undefined
            ? ['–', undefined]
            : [
                `≤ ×${FIXED_RATE_CPU_VS_NCHAN[subs]!.toFixed(1)} nchan`,
                vsNchan === undefined ? undefined : vsNchan <= FIXED_RATE_CPU_VS_NCHAN[subs]!,
              ];
      rows.push([
        label,
        num(herald, 2),
        num(at(HERALD_SQLITE), 2),
        num(at('plain-node'), 2),
        num(at('nchan'), 2),
        vsNchan === undefined ? '–' : `×${num(vsNchan, 2)}`,
        target,
        metOf(met),
      ]);
    }
  }
  for (const subs of subsCounts) {
    const p99 = (target: string) => throughput(target, subs, 'fixed-rate')?.latencyP99Ms;
    const herald = p99(HERALD);
    const nchan = p99('nchan');
    const vsNchan = times(herald, nchan);
    rows.push([
      `latency p99 ms, ${subs.toLocaleString('en-US')} subs, one event at a time`,
      num(herald, 1),
      num(p99(HERALD_SQLITE), 1),
      num(p99('plain-node'), 1),
      num(nchan, 1),
      vsNchan === undefined ? '–' : `×${num(vsNchan, 2)}`,
      '≤ nchan',
      metOf(vsNchan === undefined ? undefined : vsNchan <= 1),
    ]);
  }
  const depths = [
    ...new Set(
      cells.flatMap((c) => (c.kind === 'publish-throughput' && c.target === HERALD ? [c.depth] : [])),
    ),
  ].sort((a, b) => a - b);
  for (const depth of depths) {
    const rate = (target: string) => publish(target, depth)?.publishesPerSec;
    const herald = rate(HERALD);
    const vsNchan = times(herald, rate('nchan'));
    rows.push([
      `publishes/s, depth ${depth}`,
      num(herald, 0),
      num(rate(HERALD_SQLITE), 0),
      num(rate('plain-node'), 0),
      num(rate('nchan'), 0),
      vsNchan === undefined ? '–' : `×${num(vsNchan, 2)}`,
      `≥ ×${PUBLISH_VS_NCHAN} nchan`,
      metOf(vsNchan === undefined ? undefined : vsNchan >= PUBLISH_VS_NCHAN),
    ]);
  }
  if (depths.includes(SQLITE_VS_MEMORY_DEPTH)) {
    const sqliteVsMemory = times(
      publish(HERALD_SQLITE, SQLITE_VS_MEMORY_DEPTH)?.publishesPerSec,
      publish(HERALD, SQLITE_VS_MEMORY_DEPTH)?.publishesPerSec,
    );
    rows.push([
      `SQLite (synchronous=FULL) ÷ memory, publishes/s, depth ${SQLITE_VS_MEMORY_DEPTH}`,
      '',
      sqliteVsMemory === undefined ? '–' : `×${num(sqliteVsMemory, 2)}`,
      '',
      '',
      '',
      `≥ ×${SQLITE_VS_MEMORY}`,
      metOf(sqliteVsMemory === undefined ? undefined : sqliteVsMemory >= SQLITE_VS_MEMORY),
    ]);
  }
  const idleCounts = [
    ...new Set(
      cells.flatMap((c) => (c.kind === 'idle' && c.target === HERALD ? [c.connectionsRequested] : [])),
    ),
  ].sort((a, b) => a - b);
  for (const n of idleCounts) {
    const readings: [string, (cell: IdleCell | undefined) => number | undefined][] = [
      ['1.5 s after connecting', (cell) => cell?.bytesPerConnection],
      ['steady', (cell) => cell?.steady?.bytesPerConnection],
    ];
    for (const [when, bytesOf] of readings) {
      const kib = (target: string) => {
        const bytes = bytesOf(idle(target, n));
        return bytes === undefined ? undefined : bytes / 1024;
      };
      const herald = kib(HERALD);
      if (herald === undefined && when === 'steady') continue;
      const steadyMs = idle(HERALD, n)?.steady?.idleMs;
      const label = when === 'steady' && steadyMs !== undefined ? `after ${steadyMs / 1000} s idle` : when;
      const vsNchan = times(herald, kib('nchan'));
      rows.push([
        `KiB per idle connection, N = ${n.toLocaleString('en-US')}, ${label}`,
        num(herald, 1),
        num(kib(HERALD_SQLITE), 1),
        num(kib('plain-node'), 1),
        num(kib('nchan'), 1),
        vsNchan === undefined ? '–' : `×${num(vsNchan, 2)}`,
        `≤ ${IDLE_KIB} KiB`,
        metOf(herald === undefined ? undefined : herald <= IDLE_KIB),
      ]);
    }
  }
  if (rows.length === 0) return [];
  const lost = cells.reduce(
    (sum, c) => sum + (c.kind === 'throughput' ? c.lost + c.duplicates + c.orderSplits : 0),
    0,
  );
  return [
    '## Summary: every target in one table',
    '',
    'Herald (memory and SQLite stores), plain node:http and nchan (1 worker) from this run; the ratio is Herald on the memory store to nchan. "One event at a time": the fixed-rate cells, where no batching happens.',
    '',
    '| measure | Herald (memory) | Herald (SQLite) | plain node:http | nchan | Herald ÷ nchan | target | met |',
    '|---|---:|---:|---:|---:|---:|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `Events lost, duplicated or split in order, all targets and cells: ${lost}.`,
    '',
  ];
}
