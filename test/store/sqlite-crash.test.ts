/**
 * An acknowledged publish must survive a crash of the hub: a child process appends to a SQLite
 * file and prints each event once `append` resolved; it is killed with SIGKILL (no exit handlers,
 * no checkpoint, the WAL left as is) and the file is reopened. With many appends in flight the
 * kill lands while batches are queued or committing: acknowledged must still mean committed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { readAll } from './conformance.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const fixture = join(here, 'fixtures', 'append-until-killed.ts');
/**
 * Kill after this many acknowledgements (several batches of the 200-in-flight runs); the child
 * would stop by itself at MAX_EVENTS.
 */
const KILL_AFTER_ACKS = 1000;
const MAX_EVENTS = 100_000;

interface Ack {
  id: string;
  cursor: number;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Collects complete `ID CURSOR` lines and SIGKILLs the child after `killAfter` of them. */
function runUntilKilled(
  child: ChildProcess,
  killAfter: number,
): Promise<{ acks: Ack[]; signal: string | null }> {
  return new Promise((resolvePromise, reject) => {
    const acks: Ack[] = [];
    let pending = '';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [id, cursor] = line.split(' ');
        acks.push({ id: id!, cursor: Number(cursor) });
      }
      if (acks.length >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (acks.length < killAfter) {
        reject(
          new Error(`child exited (code ${code}, signal ${signal}) after ${acks.length} acks: ${stderr}`),
        );
      } else {
        resolvePromise({ acks, signal });
      }
    });
  });
}

describe('SqliteStore after the process is killed', () => {
  it.each([
    ['FULL', 1],
    ['NORMAL', 1],
    ['FULL', 200],
    ['NORMAL', 200],
  ])(
    'keeps every acknowledged event, in order, with synchronous=%s and %i appends in flight',
    async (synchronous, inFlight) => {
      const path = join(dir, `crash-${synchronous}-${inFlight}.db`);
      // `node --import tsx`, not the tsx CLI: the CLI runs the script in a grandchild that a SIGKILL
      // of its parent would leave running.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fixture, path, String(MAX_EVENTS), synchronous, String(inFlight)],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const { acks, signal } = await runUntilKilled(child, KILL_AFTER_ACKS);
      expect(signal).toBe('SIGKILL');

      const store = SqliteStore.open(path);
      try {
        const kept = await readAll(store);
        // Events appended after the last line we read may be there too; the acknowledged ones
        // must be the start of the history, with the cursors the child was given.
        expect(kept.length).toBeGreaterThanOrEqual(acks.length);
        expect(kept.slice(0, acks.length).map(({ id, cursor }) => ({ id, cursor }))).toEqual(acks);
        expect(acks[0]).toEqual({ id: 'urn:crash:1', cursor: 1 });
        // The reopened store goes on after the newest event that made it, never reusing a cursor.
        const next = await store.append(
          { id: 'urn:after-crash', topics: ['t'], data: '', isPrivate: false },
          0,
        );
        expect(next.cursor).toBe(kept.at(-1)!.cursor + 1);
      } finally {
        await store.close();
      }
    },
  );
});
