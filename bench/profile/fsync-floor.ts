/**
 * The disk's floor under a durable publish: how long one `fdatasync` of a WAL-sized write takes on
 * this machine, and one SQLite commit of N events at `synchronous=FULL` (the store's schema and
 * insert, through the store itself: `SqliteStore.append` × N in one turn = one group commit). With
 * one publishing connection at depth D, every request in flight waits for the same commit, so
 * SQLite publishes/s ≤ D / (HTTP time of D requests + commit time): this measures the second term.
 *
 *   node --import tsx bench/profile/fsync-floor.ts [--dir DIR] [--count 2000] [--events 1,8]
 *
 * DIR defaults to the system temp directory (where bench:fanout puts its databases).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite.js';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const root = flag('--dir', tmpdir());
const count = Number(flag('--count', '2000'));
const eventsPerCommit = flag('--events', '1,8').split(',').map(Number);

function summary(label: string, timesMs: number[], cpuUs: number): string {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 1000;
  const mean = (sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length) * 1000;
  return `${label}: mean ${mean.toFixed(0)} µs, p50 ${at(0.5).toFixed(0)}, p90 ${at(0.9).toFixed(0)}, p99 ${at(0.99).toFixed(0)} µs; CPU ${(cpuUs / sorted.length).toFixed(0)} µs each`;
}

const dir = mkdtempSync(join(root, 'herald-fsync-floor-'));
try {
  // A WAL-like pattern: 16 KiB appended per commit (4 pages), the file reused from its start.
  const fd = openSync(join(dir, 'raw'), 'w');
  const page = Buffer.alloc(16384, 1);
  const raw: number[] = [];
  let cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    writeSync(fd, page, 0, page.length, (i % 256) * page.length);
    const startMs = performance.now();
    fdatasyncSync(fd);
    raw.push(performance.now() - startMs);
  }
  let used = process.cpuUsage(cpu);
  closeSync(fd);
  console.log(summary('16 KiB write + fdatasync', raw, used.user + used.system));

  for (const events of eventsPerCommit) {
    const store = SqliteStore.open(join(dir, `events-${events}.db`), { synchronous: 'FULL' });
    const commits: number[] = [];
    cpu = process.cpuUsage();
    const data = 'x'.repeat(100);
    let n = 0;
    for (let i = 0; i < count / events; i++) {
      const startMs = performance.now();
      await Promise.all(
        Array.from({ length: events }, () =>
          store.append(
            {
              id: `urn:test:${++n}`,
              topics: ['t'],
              data,
              type: undefined,
              retryMs: undefined,
              isPrivate: false,
            },
            Date.now(),
          ),
        ),
      );
      commits.push(performance.now() - startMs);
    }
    used = process.cpuUsage(cpu);
    await store.close();
    console.log(
      `${summary(`SQLite commit of ${events} event(s), synchronous=FULL`, commits, used.user + used.system)} → ≤ ${Math.round((events * 1000 * commits.length) / commits.reduce((a, b) => a + b, 0)).toLocaleString('en-US')} events/s with zero HTTP cost`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
