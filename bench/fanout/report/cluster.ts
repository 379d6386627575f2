/**
 * Herald on several processes: each `herald-redis-wN` cell against one process on the same Redis
 * (`herald-redis`) and one process on the memory store (`herald-memory`) of the same run, for the
 * same subscriber count and publishing mode. The target the cluster work set: `--workers 2` at
 * ≥ 1.8× one process's deliveries/s at 1,000 subscribers (full speed).
 */
import { cpus } from 'node:os';
import type { ThroughputCell } from '../results.js';
import { ratio } from './ratios.js';

const WORKERS_TARGET = 1.8;

function peer(cells: readonly ThroughputCell[], cell: ThroughputCell, target: string) {
  return cells.find(
    (c) =>
      c.target === target && c.subscribersRequested === cell.subscribersRequested && c.mode === cell.mode,
  );
}

/** Cores busy during the run: the hub's tree (and Redis), and the load generator's processes. */
function coresUsed(c: ThroughputCell): string {
  const seconds = c.durationMs * 1000;
  const hub = c.serverCpuUs / seconds;
  const load = (c.loadGeneratorCpuUsPerDelivery * c.deliveries) / seconds;
  return `${hub.toFixed(2)} + ${load.toFixed(2)} of ${cpus().length}`;
}

export function clusterSection(cells: readonly ThroughputCell[]): string[] {
  const workers = cells.filter((c) => /^herald-redis-w\d+$/.test(c.target));
  if (workers.length === 0) return [];
  const rows = workers.map((c) => {
    const one = peer(cells, c, 'herald-redis');
    const memory = peer(cells, c, 'herald-memory');
    const rate = one === undefined ? Number.NaN : c.deliveriesPerSec / one.deliveriesPerSec;
    const isTargetCell = c.subscribersRequested === 1000 && c.mode === 'full-speed';
    const met = !isTargetCell || !Number.isFinite(rate) ? '–' : rate >= WORKERS_TARGET ? 'yes' : 'no';
    const mode = c.mode === 'full-speed' ? 'full speed' : 'fixed rate';
    const cores = `${one === undefined ? '–' : coresUsed(one)} → ${coresUsed(c)}`;
    return `| ${c.target} | ${c.subscribersRequested} | ${mode} | ${ratio(c.deliveriesPerSec, one?.deliveriesPerSec)} / ${ratio(c.cpuUsPerDelivery, one?.cpuUsPerDelivery)} | ${ratio(c.deliveriesPerSec, memory?.deliveriesPerSec)} / ${ratio(c.cpuUsPerDelivery, memory?.cpuUsPerDelivery)} | ${cores} | ${isTargetCell ? `≥ ×${WORKERS_TARGET}` : '–'} | ${met} |`;
  });
  return [
    '## Several processes on Redis',
    '',
    'Deliveries/s and CPU per delivery (hub processes and their redis-server) of `herald serve --workers N` on Redis, against one process on the same Redis and one process on the memory store, same run. *Cores busy*: hub tree + load generator, one process → N workers; when their sum reaches the machine’s cores, the machine, not the hub, sets the pace (the load generator shares the cores).',
    '',
    '| target | subs | publishing | vs herald-redis (rate / CPU) | vs herald-memory (rate / CPU) | cores busy | target | met |',
    '|---|---:|---|---:|---:|---|---:|---|',
    ...rows,
    '',
  ];
}
