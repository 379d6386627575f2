/**
 * Publish throughput: how many publishes per second a server takes on ONE keep-alive connection
 * with D requests in flight (HTTP/1.1 pipelining, the same publisher process and framing as the
 * throughput cells: `load/publisher-worker.ts`), no subscriber, a ~100-byte payload (Herald: a
 * urlencoded `topic` + `data` form with the publisher JWT; nchan and the node:http targets: the raw
 * body). Counts acknowledged publishes per second (first send → last answer) and the server's
 * CPU time per publish (its process tree, from /proc).
 *
 * The machine is shared and noisy, so every target is started once and the runs ALTERNATE: for each
 * round, for each depth, each target in turn; a cell reports the median of its rounds (and the
 * spread), never a run measured at another moment than its peers.
 */
import { cpus } from 'node:os';
import { DEFAULT_PAYLOAD_BYTES } from './load/payload.js';
import type { PublishReply } from './load/protocol.js';
import { cpuTimeUs, targetProcesses } from './proc-stats.js';
import type { PublishThroughputCell } from './results.js';
import type { RunningTarget } from './targets/target.js';
import { newRunId, type Publisher } from './throughput-cell.js';

export interface PublishThroughputSettings {
  depths: readonly number[];
  /** Length of one measured run. */
  seconds: number;
  /** Runs per (target, depth), alternating between targets; the cell is their median. */
  rounds: number;
}

/** A run long enough to JIT the path and grow the SQLite file before anything is measured. */
const WARMUP_SECONDS = 1;
/** More than any run can send: runs end at their deadline. */
const UNBOUNDED_COUNT = 100_000_000;

interface RunFigures {
  publishesPerSec: number;
  cpuUsPerPublish: number;
  loadCoreShare: number;
  acked: number;
  errors: Record<string, number>;
}

async function publishRun(
  publisher: Publisher,
  target: RunningTarget,
  depth: number,
  seconds: number,
): Promise<RunFigures> {
  const tree = targetProcesses(target);
  const loadPids = [publisher.child.pid ?? 0];
  const cpuBeforeUs = cpuTimeUs(tree);
  const loadBeforeUs = cpuTimeUs(loadPids);
  const reply = await publisher.request<PublishReply>(
    {
      type: 'publish',
      spec: target.publishSpec('publish-throughput'),
      runId: newRunId(),
      count: UNBOUNDED_COUNT,
      eventsPerSec: null,
      window: depth,
      payloadBytes: DEFAULT_PAYLOAD_BYTES,
      deadlineMs: seconds * 1000,
    },
    'published',
  );
  const serverCpuUs = cpuTimeUs(tree) - cpuBeforeUs;
  const loadCpuUs = cpuTimeUs(loadPids) - loadBeforeUs;
  const elapsedUs = Math.max(1, reply.lastAckUs - reply.firstSendUs);
  return {
    publishesPerSec: reply.acked / (elapsedUs / 1e6),
    cpuUsPerPublish: reply.acked > 0 ? serverCpuUs / reply.acked : Number.NaN,
    loadCoreShare: loadCpuUs / elapsedUs,
    acked: reply.acked,
    errors: reply.errors,
  };
}

function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[middle]!
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/**
 * Runs every (target, depth) `rounds` times, alternating, after one warm-up run per target.
 * `onPhase` reports progress; `onRun` is called after each measured run (a progress step).
 */
export async function runPublishThroughputCells(
  publisher: Publisher,
  targets: readonly RunningTarget[],
  settings: PublishThroughputSettings,
  onPhase: (label: string) => void,
  onRun: () => void,
): Promise<PublishThroughputCell[]> {
  for (const target of targets) {
    onPhase(`${target.name}: publish warm-up`);
    await publishRun(publisher, target, Math.max(...settings.depths), WARMUP_SECONDS);
  }
  const runs = new Map<string, RunFigures[]>();
  const key = (target: RunningTarget, depth: number) => `${target.name}\u0000${depth}`;
  for (let round = 1; round <= settings.rounds; round++) {
    for (const depth of settings.depths) {
      for (const target of targets) {
        onPhase(`${target.name}: publish depth ${depth}, round ${round}/${settings.rounds}`);
        const figures = await publishRun(publisher, target, depth, settings.seconds);
        const list = runs.get(key(target, depth)) ?? [];
        list.push(figures);
        runs.set(key(target, depth), list);
        onRun();
      }
    }
  }
  const cells: PublishThroughputCell[] = [];
  for (const depth of settings.depths) {
    for (const target of targets) {
      const list = runs.get(key(target, depth)) ?? [];
      const rates = list.map((r) => r.publishesPerSec);
      const errors: Record<string, number> = {};
      for (const run of list) {
        for (const [code, count] of Object.entries(run.errors)) errors[code] = (errors[code] ?? 0) + count;
      }
      const notes: string[] = [];
      if (Object.keys(errors).length > 0) notes.push(`publish errors ${JSON.stringify(errors)}`);
      const loadShare = median(list.map((r) => r.loadCoreShare));
      // The publisher is one process: past ~85% of a core it, not the server, may set the pace.
      if (loadShare > 0.85 || (cpus().length <= 2 && loadShare > 0.6)) {
        notes.push(`the publisher used ${Math.round(loadShare * 100)}% of a core: may be client-bound`);
      }
      cells.push({
        kind: 'publish-throughput',
        target: target.name,
        depth,
        rounds: list.length,
        seconds: settings.seconds,
        publishes: list.reduce((sum, r) => sum + r.acked, 0),
        publishesPerSec: median(rates),
        publishesPerSecMin: Math.min(...rates),
        publishesPerSecMax: Math.max(...rates),
        cpuUsPerPublish: median(list.map((r) => r.cpuUsPerPublish)),
        notes,
      });
    }
  }
  return cells;
}
