/**
 * Which SQLite driver the SQLite store uses: the same workload on node:sqlite and on better-sqlite3,
 * in one process, in interleaved rounds, through SqliteStore itself (so the port's adapters are in
 * the measurement):
 *
 * - appends at synchronous=FULL, one at a time (a group-commit batch of 1: one transaction and one
 *   fsync per event), and 64 at a time (64 appends made in one turn share one commit);
 * - replay: reading 10,000 stored events back with one readRange.
 *
 * Prints the median of each per driver and the ratio of their times, node:sqlite / better-sqlite3
 * (below 1: node:sqlite is faster). A driver this Node cannot run is named with the reason. On
 * Node 22, node:sqlite is measured although the store refuses it there (it cuts text at a NUL);
 * where the installed better-sqlite3 cannot run, `--better-sqlite3 DIR` loads the one installed
 * under DIR (e.g. better-sqlite3 13 for Node 24) instead.
 *
 *   npm run bench:sqlite-driver -- [--rounds 5] [--better-sqlite3 DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { NewEvent } from '../src/hub/index.js';
import { SqliteStore } from '../src/store/sqlite.js';
import {
  betterSqlite3Conflict,
  type SqliteDriver,
  sqliteDriverAvailability,
} from '../src/store/sqlite-driver.js';
import { type BetterSqlite3Module, betterSqlite3Driver } from '../src/store/sqlite-driver-better.js';
import { type NodeSqliteModule, nodeSqliteDriver } from '../src/store/sqlite-driver-node.js';
import { machineLine, markdownTable } from './support/markdown-table.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, 'better-sqlite3': { type: 'string' } },
});
const ROUNDS = Number(values.rounds);
const SINGLE_APPENDS = 300;
const BATCH_SIZE = 64;
const BATCHES = 100;
const REPLAY_EVENTS = 10_000;
const REPLAYS = 10;

interface Workload {
  name: string;
  /** What one run does, and how many units (appends, events read) it counted. */
  run(driver: SqliteDriver, dir: string): Promise<{ ms: number; units: number }>;
  unit: string;
}

let fileNumber = 0;
const newPath = (dir: string) => join(dir, `bench-${++fileNumber}.db`);

function event(n: number): NewEvent {
  return {
    id: `urn:bench:${n}`,
    topics: ['https://example.com/books/1'],
    data: JSON.stringify({ n, text: 'x'.repeat(200) }),
    isPrivate: false,
  };
}

async function timed(work: () => Promise<number>): Promise<{ ms: number; units: number }> {
  const start = performance.now();
  const units = await work();
  return { ms: performance.now() - start, units };
}

const WORKLOADS: Workload[] = [
  {
    name: 'append, batch of 1 (FULL)',
    unit: 'appends/s',
    async run(driver, dir) {
      const store = SqliteStore.open(newPath(dir), { driver, synchronous: 'FULL' });
      const result = await timed(async () => {
        for (let n = 1; n <= SINGLE_APPENDS; n++) await store.append(event(n), n);
        return SINGLE_APPENDS;
      });
      await store.close();
      return result;
    },
  },
  {
    name: `append, batch of ${BATCH_SIZE} (FULL)`,
    unit: 'appends/s',
    async run(driver, dir) {
      const store = SqliteStore.open(newPath(dir), { driver, synchronous: 'FULL' });
      const result = await timed(async () => {
        for (let batch = 0; batch < BATCHES; batch++) {
          const first = batch * BATCH_SIZE + 1;
          await Promise.all(
            Array.from({ length: BATCH_SIZE }, (_, i) => store.append(event(first + i), first + i)),
          );
        }
        return BATCHES * BATCH_SIZE;
      });
      await store.close();
      return result;
    },
  },
  {
    name: `replay of ${REPLAY_EVENTS.toLocaleString('en')} events`,
    unit: 'events/s',
    async run(driver, dir) {
      const store = SqliteStore.open(newPath(dir), { driver, synchronous: 'NORMAL' });
      await Promise.all(Array.from({ length: REPLAY_EVENTS }, (_, i) => store.append(event(i + 1), i + 1)));
      const head = await store.headCursor();
      const result = await timed(async () => {
        let read = 0;
        for (let i = 0; i < REPLAYS; i++) read += (await store.readRange(0, head, REPLAY_EVENTS)).length;
        return read;
      });
      await store.close();
      return result;
    },
  },
];

/** The drivers to compare, or why one is missing. */
function drivers(): { available: SqliteDriver[]; missing: string[] } {
  const available: SqliteDriver[] = [];
  const missing: string[] = [];
  const builtIn = process.getBuiltinModule('node:sqlite') as NodeSqliteModule | undefined;
  if (builtIn === undefined) missing.push(`node:sqlite: not in Node ${process.versions.node}`);
  else available.push(nodeSqliteDriver(builtIn));
  const from = values['better-sqlite3'];
  if (from === undefined) {
    const addon = sqliteDriverAvailability('better-sqlite3');
    if (addon.isAvailable) available.push(addon.driver);
    else missing.push(`better-sqlite3: ${addon.reason}`);
  } else {
    const require = createRequire(join(resolve(from), 'package.json'));
    const { version } = require('better-sqlite3/package.json') as { version: string };
    const conflict = betterSqlite3Conflict(version, process.versions.node);
    if (conflict !== undefined) missing.push(`better-sqlite3 (${from}): ${conflict}`);
    else available.push(betterSqlite3Driver(require('better-sqlite3') as BetterSqlite3Module));
  }
  return { available, missing };
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const { available, missing } = drivers();
const dir = mkdtempSync(join(tmpdir(), 'herald-bench-sqlite-'));
// samples[workload][driver]: throughput of each round.
const samples = WORKLOADS.map(() => available.map((): number[] => []));
try {
  for (let round = 0; round <= ROUNDS; round++) {
    // Round 0 warms up; in the others, the drivers take turns first, so drift weighs on both alike.
    const order = round % 2 === 0 ? available : [...available].reverse();
    for (const [w, workload] of WORKLOADS.entries()) {
      for (const driver of order) {
        const { ms, units } = await workload.run(driver, dir);
        if (round > 0) samples[w]?.[available.indexOf(driver)]?.push((units / ms) * 1000);
      }
    }
    process.stderr.write(round === 0 ? 'warmed up\n' : `round ${round}/${ROUNDS}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const nodeIndex = available.findIndex((driver) => driver.name === 'node:sqlite');
const betterIndex = available.findIndex((driver) => driver.name === 'better-sqlite3');
const rows = WORKLOADS.map((workload, w) => {
  const medians = available.map((_, d) => median(samples[w]?.[d] ?? []));
  const nodeRate = medians[nodeIndex] ?? Number.NaN;
  const betterRate = medians[betterIndex] ?? Number.NaN;
  // A ratio of times: node:sqlite's time over better-sqlite3's for the same work.
  const timeRatio =
    Number.isFinite(nodeRate) && Number.isFinite(betterRate) ? betterRate / nodeRate : Number.NaN;
  return [
    workload.name,
    ...medians.map((rate) => `${Math.round(rate).toLocaleString('en')} ${workload.unit}`),
    Number.isFinite(timeRatio) ? `×${timeRatio.toFixed(2)}` : '–',
  ];
});
console.log(machineLine());
console.log(`medians of ${ROUNDS} interleaved rounds`);
console.log(
  markdownTable(
    ['workload', ...available.map((driver) => driver.name), 'time node:sqlite / better-sqlite3'],
    rows,
  ),
);
for (const line of missing) console.log(`not measured: ${line}`);
