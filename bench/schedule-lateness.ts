/**
 * Schedule lateness: 10,000 one-shot schedules due within a few seconds, on the real clock and real
 * timers. Lateness = delivery instant − due instant, p50/p99/max in milliseconds.
 *
 * `--mode hub` (default): through the whole hub. `createHub` on SQLite (a temp file, WAL,
 * synchronous=FULL) and on memory, schedules added with `herald.schedules.publishLater`, and
 * `--subscribers` (100) SSE subscribers on real loopback sockets receiving every delivery, so a
 * delivery includes the store append and the fan-out. Two figures per store: when the hub
 * published the event (its `publishedAtMs`) and when each subscriber parsed it.
 *
 * `--mode scheduler`: the scheduler alone with a no-op deliver (the schedule stores' own cost).
 *
 *   npx tsx bench/schedule-lateness.ts [--mode hub|scheduler] [--count 10000] [--spread-ms 3000]
 *                                      [--subscribers 100] [--lead-ms 5000]
 *
 * Subscribers and hub share this process (and its CPU): the subscriber figures include parsing
 * 100 streams, which a real deployment does elsewhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock/index.js';
import { createHub } from '../src/http/index.js';
import { ScheduleRunner } from '../src/schedule/runner.js';
import type { ScheduleStore } from '../src/schedule/store.js';
import { type OpenedStore, openStore } from '../src/store/open.js';
import { MemoryScheduleStore } from '../src/store/schedule-memory.js';
import { SqliteScheduleStore } from '../src/store/schedule-sqlite.js';
import { openSqlite, type SqliteConnection } from '../src/store/sqlite-driver.js';
import { startCountingServer } from './support/counting-server.js';
import { machineLine, markdownTable } from './support/markdown-table.js';
import { writeResults } from './support/results-file.js';
import { openSseListeners } from './support/sse-listeners.js';
import { ratio, type Spread, spreadOf } from './support/stats.js';

const { values: flags } = parseArgs({
  options: {
    mode: { type: 'string', default: 'hub' },
    count: { type: 'string', default: '10000' },
    'spread-ms': { type: 'string', default: '3000' },
    subscribers: { type: 'string', default: '100' },
    'lead-ms': { type: 'string', default: '5000' },
  },
});
const count = Number(flags.count);
const spreadMs = Number(flags['spread-ms']);
const subscriberCount = Number(flags.subscribers);
/** Time to insert before the first schedule falls due. */
const leadMs = Number(flags['lead-ms']);
/** Bound on the wait for the last delivery after the last due instant. */
const drainTimeoutMs = 60_000;
const TOPIC = 'https://example.com/bench/schedules';

/** Progress on stderr, so stdout stays the Markdown report. */
function progress(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

type StoreKind = 'sqlite' | 'memory';

function dueAtMs(startMs: number, index: number): number {
  return startMs + Math.floor((index * spreadMs) / count);
}

/** Waits for `promise`, or `timeoutMs`, whichever comes first. */
async function boundedMs(timeoutMs: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([promise, timeout]);
  clearTimeout(timer);
}

function checkLead(startMs: number): void {
  if (Date.now() >= startMs - 100) throw new Error('adding took longer than the lead time; raise --lead-ms');
}

/** A SQLite schedule store on its own connection, with the same pragmas the hub's opens with. */
function openSqliteSchedules(path: string): { schedules: SqliteScheduleStore; db: SqliteConnection } {
  // The driver the hub picks on this Node (node:sqlite or better-sqlite3).
  const db = openSqlite(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  return { schedules: new SqliteScheduleStore(db), db };
}

// ---- mode scheduler: the scheduler alone, no-op deliver --------------------------------------

interface SchedulerRow {
  store: string;
  deliveredLatenessMs: Spread;
  wallMs: number;
}

async function runSchedulerAlone(kind: StoreKind, dir: string): Promise<SchedulerRow> {
  const sqlite = kind === 'sqlite' ? openSqliteSchedules(join(dir, 'schedules.db')) : undefined;
  const store: ScheduleStore = sqlite?.schedules ?? new MemoryScheduleStore();
  const startMs = Date.now() + leadMs;
  // One insert transaction: we measure delivery, not 10,000 fsyncs of set-up.
  sqlite?.db.exec('BEGIN');
  for (let i = 0; i < count; i++) {
    await store.add({
      id: `s${i}`,
      topics: [TOPIC],
      event: { data: 'x', isPrivate: false },
      dueAtMs: dueAtMs(startMs, i),
      disambiguation: 'compatible',
      createdAtMs: Date.now(),
    });
  }
  sqlite?.db.exec('COMMIT');
  checkLead(startMs);
  const latenessMs: number[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const scheduler = new ScheduleRunner({
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
  sqlite?.db.close();
  return { store: kind, deliveredLatenessMs: spreadOf(latenessMs), wallMs };
}

// ---- mode hub: publishLater → scheduler → store append → fan-out → SSE subscribers ----------

interface HubRow {
  store: string;
  published: number;
  received: number;
  publishedLatenessMs: Spread;
  receivedLatenessMs: Spread;
  lastReceivedAfterStartMs: number;
  failures: string[];
}

async function openEvents(kind: StoreKind, dir: string): Promise<OpenedStore & { db?: SqliteConnection }> {
  if (kind === 'memory') return openStore('memory', { retention: { maxEvents: count * 2 } });
  const path = join(dir, 'hub.db');
  const opened = await openStore(`sqlite:${path}`);
  // Our own connection for the schedules, so that adding them is one transaction (see below).
  await opened.schedules?.close();
  const { schedules, db } = openSqliteSchedules(path);
  return { ...opened, schedules, db };
}

async function runThroughHub(kind: StoreKind, dir: string): Promise<HubRow> {
  const opened = await openEvents(kind, dir);
  const herald = await createHub({ store: opened, allowAnonymous: true });
  const server = await startCountingServer(herald.handleNode, () => 'all');
  const publishedLatenessMs: number[] = [];
  const receivedLatenessMs: number[] = [];
  const receivedPerSubscriber = new Array<number>(subscriberCount).fill(0);
  let lastReceivedAtMs = 0;
  const stopWatching = opened.broker.subscribe((event) => {
    publishedLatenessMs.push(event.publishedAtMs - (JSON.parse(event.data) as { dueAtMs: number }).dueAtMs);
  });
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const listeners = await openSseListeners(
    `${server.url}/.well-known/mercure?topic=${encodeURIComponent(TOPIC)}`,
    subscriberCount,
    (index, data, receivedAtMs) => {
      receivedLatenessMs.push(receivedAtMs - (JSON.parse(data) as { dueAtMs: number }).dueAtMs);
      lastReceivedAtMs = receivedAtMs;
      receivedPerSubscriber[index] = (receivedPerSubscriber[index] ?? 0) + 1;
      if (receivedLatenessMs.length === count * subscriberCount) finish();
    },
  );
  try {
    while (herald.hub.subscribers.size < subscriberCount) await new Promise((r) => setTimeout(r, 10));
    progress(`${kind}: ${subscriberCount} subscribers connected; adding ${count} schedules`);
    const startMs = Date.now() + leadMs;
    // One insert transaction: we measure delivery, not 10,000 fsyncs of set-up.
    opened.db?.exec('BEGIN');
    for (let i = 0; i < count; i++) {
      const due = dueAtMs(startMs, i);
      const delivery = herald.schedules.resolve({ at: new Date(due).toISOString() });
      if (!delivery) throw new Error('no delivery time');
      await herald.schedules.publishLater(
        { topics: [TOPIC], data: JSON.stringify({ i, dueAtMs: due }) },
        delivery,
      );
      // Our open transaction holds the write lock: a schedule falling due now would block the hub's
      // append (busy timeout, synchronous) and the whole event loop with it.
      if (i % 100 === 0) checkLead(startMs);
    }
    opened.db?.exec('COMMIT');
    checkLead(startMs);
    progress(`${kind}: added; first due in ${startMs - Date.now()} ms`);
    const timeout = setTimeout(finish, leadMs + spreadMs + drainTimeoutMs);
    await finished;
    clearTimeout(timeout);
    progress(`${kind}: ${receivedLatenessMs.length} of ${count * subscriberCount} received`);
    return {
      store: kind,
      published: publishedLatenessMs.length,
      received: receivedLatenessMs.length,
      publishedLatenessMs: spreadOf(publishedLatenessMs),
      receivedLatenessMs: spreadOf(receivedLatenessMs),
      lastReceivedAfterStartMs: lastReceivedAtMs - startMs,
      failures: listeners.failures,
    };
  } finally {
    stopWatching();
    listeners.close();
    // Bounded: after a failure the scheduler may still be working through late schedules.
    await boundedMs(10_000, herald.close());
    await server.close();
    if (opened.db?.isInTransaction === true) opened.db.exec('ROLLBACK');
    opened.db?.close();
  }
}

function printHub(rows: HubRow[]): void {
  console.log(
    `\n### ${count} schedules due over ${spreadMs} ms, through the hub, ${subscriberCount} SSE subscribers\n`,
  );
  console.log(
    'lateness = delivery − due, ms; "published" = the event\'s publishedAtMs, "received" = parsed by a subscriber\n',
  );
  const memory = rows.find((row) => row.store === 'memory');
  console.log(
    markdownTable(
      [
        'store',
        'published',
        'pub p50',
        'pub p99',
        'pub max',
        'received',
        'recv p50',
        'recv p99',
        'recv max',
        'recv p99 ×memory',
        'last received at',
      ],
      rows.map((row) => [
        row.store,
        `${row.published}/${count}`,
        String(row.publishedLatenessMs.p50),
        String(row.publishedLatenessMs.p99),
        String(row.publishedLatenessMs.max),
        `${row.received}/${count * subscriberCount}`,
        String(row.receivedLatenessMs.p50),
        String(row.receivedLatenessMs.p99),
        String(row.receivedLatenessMs.max),
        ratio(row.receivedLatenessMs.p99, memory?.receivedLatenessMs.p99 ?? 0),
        `+${row.lastReceivedAfterStartMs} ms`,
      ]),
    ),
  );
  for (const row of rows) for (const failure of row.failures) console.error(`${row.store}: ${failure}`);
}

function printSchedulerAlone(rows: SchedulerRow[]): void {
  console.log(`\n### ${count} schedules due over ${spreadMs} ms, scheduler alone (no-op deliver)\n`);
  const memory = rows.find((row) => row.store === 'memory');
  console.log(
    markdownTable(
      ['store', 'p50 ms', 'p99 ms', 'max ms', 'p99 ×memory', 'last delivery at'],
      rows.map((row) => [
        row.store,
        String(row.deliveredLatenessMs.p50),
        String(row.deliveredLatenessMs.p99),
        String(row.deliveredLatenessMs.max),
        ratio(row.deliveredLatenessMs.p99, memory?.deliveredLatenessMs.p99 ?? 0),
        `+${row.wallMs} ms`,
      ]),
    ),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
console.log(machineLine());
try {
  const kinds: StoreKind[] = ['sqlite', 'memory'];
  if (flags.mode === 'scheduler') {
    const rows: SchedulerRow[] = [];
    for (const kind of kinds) rows.push(await runSchedulerAlone(kind, dir));
    printSchedulerAlone(rows);
    console.log(`\nresults: ${writeResults('schedule-lateness-scheduler', { count, spreadMs, rows })}`);
  } else if (flags.mode === 'hub') {
    const rows: HubRow[] = [];
    for (const kind of kinds) rows.push(await runThroughHub(kind, dir));
    printHub(rows);
    console.log(
      `\nresults: ${writeResults('schedule-lateness-hub', { count, spreadMs, subscriberCount, rows })}`,
    );
    if (rows.some((row) => row.received !== count * subscriberCount)) process.exitCode = 1;
  } else {
    throw new Error(`--mode must be hub or scheduler, not ${flags.mode}`);
  }
} catch (error) {
  // A failed run can leave the scheduler working through thousands of late schedules, which
  // `close` would wait for: report and leave instead.
  console.error(error);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
