/**
 * Two hub processes appending to one SQLite file at the same time, with real lock contention (in
 * one process the two handles' commits never overlap: both SQLite drivers are synchronous). A third
 * connection, in the test process, keeps reading while they write and checks what a replay relies
 * on: every cursor up to the head is readable with no gap, nothing turns up later below a head
 * already read, the head never goes back, and an event is readable as soon as a writer was told it
 * is stored. An id both processes append is stored once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/hub/ports.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const fixture = join(here, 'fixtures', 'append-alongside.ts');
const COUNT = 1500;
/**
 * The test releases both writers together this many times. Each phase's events hold both writers'
 * and take a run of cursors of their own, so the history changes hands at least once per phase
 * however the lock happens to fall (left alone, SQLite's busy handler backs off for up to 100 ms and
 * one writer can finish before the other gets a turn).
 */
const PHASES = 10;
const IN_FLIGHT = 16;
const SHARED_EVERY = 5;
/** A bound on the reader's loop, far above what the writers need. */
const MAX_LOOKS = 5000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-two-processes-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Writer {
  child: ChildProcess;
  /** `OK id cursor` and `DUP id` lines, in arrival order. */
  lines: string[];
  /** Resolves once the writer printed `READY` (n = 0) or its n-th `PHASE`. */
  reached: (n: number) => Promise<void>;
  exited: Promise<void>;
}

function startWriter(path: string, name: string): Writer {
  // `node --import tsx`, not the tsx CLI, so that the process we hold is the one that writes.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fixture,
      path,
      name,
      String(COUNT),
      String(PHASES),
      String(IN_FLIGHT),
      String(SHARED_EVERY),
    ],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let markers = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  let pending = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      if (line !== 'READY' && line !== 'PHASE') {
        lines.push(line);
        continue;
      }
      markers++;
      for (const waiter of waiting.filter((w) => w.n < markers)) waiter.resolve();
    }
  });
  const exited = new Promise<void>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`writer ${name} exited with ${code}: ${stderr}`));
    });
  });
  const reached = (n: number) =>
    markers > n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve }));
  return { child, lines, reached: (n) => Promise.race([reached(n), exited]), exited };
}

/** Releases both writers together, phase after phase, each time both are done with the last. */
async function releaseInPhases(writers: Writer[]): Promise<void> {
  for (let phase = 0; phase < PHASES; phase++) {
    await Promise.all(writers.map((writer) => writer.reached(phase)));
    for (const writer of writers) writer.child.stdin?.write('go\n');
  }
  await Promise.all(writers.map((writer) => writer.exited));
}

const acked = (writer: Writer) =>
  writer.lines
    .filter((line) => line.startsWith('OK '))
    .map((line) => {
      const [, id, cursor] = line.split(' ');
      return { id: id!, cursor: Number(cursor) };
    });

describe('SqliteStore written by two processes at once', () => {
  it('keeps every cursor up to the head readable with no gap, none arriving late, and each shared id once', async () => {
    const path = join(dir, 'two-processes.db');
    const reader = SqliteStore.open(path);
    const writers = [startWriter(path, 'a'), startWriter(path, 'b')];
    try {
      let isDone = false;
      const done = releaseInPhases(writers).finally(() => {
        isDone = true;
      });
      const looks: { head: number; events: StoredEvent[] }[] = [];
      let highestHead = 0;
      for (let i = 0; i < MAX_LOOKS && !isDone; i++) {
        const ackedBefore = writers.flatMap(acked);
        const head = await reader.headCursor();
        const events = await reader.readRange(0, head, 10 * COUNT);
        expect(head).toBeGreaterThanOrEqual(highestHead);
        highestHead = head;
        expect(events.map((event) => event.cursor)).toEqual(events.map((_, k) => k + 1));
        expect(events.at(-1)?.cursor ?? 0).toBe(head);
        const idAt = new Map(events.map((event) => [event.cursor, event.id]));
        for (const ack of ackedBefore) expect(idAt.get(ack.cursor)).toBe(ack.id);
        looks.push({ head, events });
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 2));
      }
      await done;
      expect(looks.length, 'the reader looked while the writers wrote').toBeGreaterThan(2);

      const history = await reader.readRange(0, Number.MAX_SAFE_INTEGER, 10 * COUNT);
      const acks = writers.flatMap(acked);
      expect([...acks].sort((x, y) => x.cursor - y.cursor)).toEqual(
        history.map(({ id, cursor }) => ({ id, cursor })),
      );
      // Both wrote in every phase: the history changes hands at least once per phase.
      const writerAt = new Map(writers.flatMap((writer, i) => acked(writer).map((ack) => [ack.cursor, i])));
      const handovers = history.filter(
        (event, k) => k > 0 && writerAt.get(event.cursor) !== writerAt.get(history[k - 1]!.cursor),
      );
      expect(handovers.length, 'the writers interleaved').toBeGreaterThanOrEqual(PHASES);
      const sharedIds = COUNT / SHARED_EVERY;
      expect(history).toHaveLength(2 * COUNT - sharedIds);
      const duplicates = writers.flatMap((writer) => writer.lines.filter((line) => line.startsWith('DUP ')));
      expect(duplicates).toHaveLength(sharedIds);
      for (const line of duplicates) {
        const id = line.slice('DUP '.length);
        expect(history.filter((event) => event.id === id)).toHaveLength(1);
      }
      for (const seen of looks) expect(seen.events).toEqual(history.slice(0, seen.head));
    } finally {
      for (const writer of writers) writer.child.kill('SIGKILL');
      await reader.close();
    }
  });
});
