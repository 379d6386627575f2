/**
 * Scheduler lateness: 10,000 one-shot schedules due within a few seconds, on the real clock and
 * real timers, with a no-op deliver. Reports p50/p99/max of (delivered − due) in milliseconds for
 * the SQLite schedule store (a file, WAL, synchronous=FULL) against the in-memory store as baseline.
 *
 *   npx tsx bench/schedule-lateness.ts [count] [spreadMs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../src/hub/ports.js';
import { MemoryScheduleStore } from '../src/store/schedule-memory.js';
import { SqliteScheduleStore } from '../src/store/schedule-sqlite.js';
import type { ScheduleStore } from '../src/time/schedule-store.js';
import { Scheduler } from '../src/time/scheduler.js';

const count = Number(process.argv[2] ?? 10_000);
const spreadMs = Number(process.argv[3] ?? 3_000);
const leadMs = 2_000; // time to insert before the first one falls due

interface Figures {
  p50: number;
  p99: number;
  max: number;
  wallMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function run(store: ScheduleStore, db?: Database.Database): Promise<Figures> {
  const startMs = Date.now() + leadMs;
  // One insert transaction: we measure delivery, not 10,000 fsyncs of set-up.
  db?.exec('BEGIN');
  for (let i = 0; i < count; i++) {
    await store.add({
      id: `s${i}`,
      topics: ['https://example.com/bench'],
      event: { data: 'x', isPrivate: false },
      dueAtMs: startMs + Math.floor((i * spreadMs) / count),
      disambiguation: 'compatible',
      createdAtMs: Date.now(),
    });
  }
  db?.exec('COMMIT');
  if (Date.now() >= startMs) throw new Error('inserting took longer than the lead time; raise leadMs');
  const latenessMs: number[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const scheduler = new Scheduler({
    store,
    clock: systemClock,
    batchSize: 500,
    deliver: async (d) => {
      latenessMs.push(Date.now() - d.dueAtMs);
      if (latenessMs.length === count) finish();
    },
  });
  await scheduler.start();
  await finished;
  await scheduler.stop();
  const wallMs = Date.now() - startMs;
  latenessMs.sort((a, b) => a - b);
  return {
    p50: percentile(latenessMs, 50),
    p99: percentile(latenessMs, 99),
    max: latenessMs.at(-1)!,
    wallMs,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
try {
  const memory = await run(new MemoryScheduleStore());
  const db = new Database(join(dir, 'schedules.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const sqlite = await run(new SqliteScheduleStore(db), db);
  db.close();
  console.log(`${count} schedules due over ${spreadMs} ms; lateness = delivered - due (ms)`);
  for (const [name, f] of [
    ['memory (baseline)', memory],
    ['sqlite', sqlite],
  ] as const) {
    console.log(
      `${name.padEnd(18)} p50 ${f.p50}  p99 ${f.p99}  max ${f.max}  (last delivery at +${f.wallMs} ms)`,
    );
  }
  console.log(`sqlite/memory p99 ratio: ${(sqlite.p99 / Math.max(1, memory.p99)).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
