/**
 * Group commit in the SQLite store: appends made in one event-loop turn share one transaction, yet
 * each keeps its own outcome and the call order decides the cursors. Failures are real SQLite ones
 * (the unique index of exclusive ids, a trigger added by a second connection, a lock held by another connection), not
 * a mock of the driver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/hub/ports.js';
import { MAX_BATCH_EVENTS, SqliteStore } from '../../src/store/sqlite.js';
import { openSqlite } from '../../src/store/sqlite-driver.js';
import { newEvent, readAll } from './conformance.js';

let dir: string;
let fileNumber = 0;
const newPath = () => join(dir, `group-${++fileNumber}.db`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-group-commit-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const storeError = (code: string) => expect.objectContaining({ name: 'StoreError', code });

function expectAscendingCursors(events: StoredEvent[]): void {
  for (let i = 1; i < events.length; i++) expect(events[i]!.cursor).toBeGreaterThan(events[i - 1]!.cursor);
}

describe('SqliteStore group commit', () => {
  it('resolves 1,000 concurrent appends with strictly increasing cursors in call order, all readable after', async () => {
    const store = SqliteStore.open(newPath());
    try {
      const appends = Array.from({ length: 1000 }, (_, i) => store.append(newEvent(i + 1), i + 1));
      const stored = await Promise.all(appends);
      expect(stored.map((event) => event.id)).toEqual(
        Array.from({ length: 1000 }, (_, i) => `urn:test:${i + 1}`),
      );
      expectAscendingCursors(stored);
      expect(await readAll(store)).toEqual(stored);
      expect(await store.headCursor()).toBe(stored.at(-1)!.cursor);
    } finally {
      await store.close();
    }
  });

  it('commits at most MAX_BATCH_EVENTS per flush and the rest in later flushes, keeping call order', async () => {
    const store = SqliteStore.open(newPath());
    try {
      const count = 2 * MAX_BATCH_EVENTS + 500;
      const appends = Array.from({ length: count }, (_, i) => store.append(newEvent(i + 1), i + 1));
      // The first append settles right after the first flush, before the next one runs.
      await appends[0];
      expect(await store.headCursor()).toBe(MAX_BATCH_EVENTS);
      const stored = await Promise.all(appends);
      expectAscendingCursors(stored);
      expect((await readAll(store)).map((event) => event.id)).toEqual(stored.map((event) => event.id));
    } finally {
      await store.close();
    }
  });

  it('does not show a queued event to reads before its append resolved', async () => {
    const store = SqliteStore.open(newPath());
    try {
      const appending = store.append(newEvent(1), 1);
      expect(await store.headCursor()).toBe(0);
      expect(await store.cursorOf('urn:test:1')).toBeUndefined();
      expect(await readAll(store)).toEqual([]);
      const stored = await appending;
      expect(await readAll(store)).toEqual([stored]);
    } finally {
      await store.close();
    }
  });

  it('fails only a repeat inside a batch with DUPLICATE_ID and commits the others, a reused id included', async () => {
    const store = SqliteStore.open(newPath());
    try {
      const first = await store.append(newEvent(1), 1);
      const outcomes = await Promise.allSettled([
        store.append(newEvent(2), 2),
        store.append(newEvent(1), 3), // repeats a committed event
        store.append(newEvent(3), 4),
        store.append(newEvent(2), 5), // repeats an event of this batch
        store.append(newEvent(3, { data: 'again' }), 6), // reuses an id of this batch: stored
        store.append(newEvent(4), 7),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      const second = (outcomes[0] as PromiseFulfilledResult<StoredEvent>).value;
      expect(outcomes[1]).toEqual({
        status: 'rejected',
        reason: expect.objectContaining({ code: 'DUPLICATE_ID', existing: first }),
      });
      expect(outcomes[3]).toEqual({
        status: 'rejected',
        reason: expect.objectContaining({ code: 'DUPLICATE_ID', existing: second }),
      });
      const kept = await readAll(store);
      expect(kept.map((event) => [event.id, event.data])).toEqual([
        ['urn:test:1', 'data 1'],
        ['urn:test:2', 'data 2'],
        ['urn:test:3', 'data 3'],
        ['urn:test:3', 'again'],
        ['urn:test:4', 'data 4'],
      ]);
      expect(kept[0]).toEqual(first);
      expectAscendingCursors(kept);
      expect(await store.cursorOf('urn:test:3')).toBe(kept[2]!.cursor);
    } finally {
      await store.close();
    }
  });

  it('fails only the second exclusive append of an id inside a batch, through the unique index of exclusive ids', async () => {
    const store = SqliteStore.open(newPath());
    try {
      const exclusive = { isIdExclusive: true };
      const outcomes = await Promise.allSettled([
        store.append(newEvent(1, { data: 'first' }), 1, exclusive),
        store.append(newEvent(2), 2),
        store.append(newEvent(1, { data: 'second' }), 3, exclusive),
        store.append(newEvent(1, { data: 'not exclusive' }), 4),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      const winner = (outcomes[0] as PromiseFulfilledResult<StoredEvent>).value;
      expect(outcomes[2]).toEqual({
        status: 'rejected',
        reason: expect.objectContaining({ name: 'StoreError', code: 'DUPLICATE_ID', existing: winner }),
      });
      expect((await readAll(store)).map((event) => event.data)).toEqual(['first', 'data 2', 'not exclusive']);
    } finally {
      await store.close();
    }
  });

  it('rejects every append of a batch with UNAVAILABLE and writes none of them when one insert fails', async () => {
    const path = newPath();
    const store = SqliteStore.open(path);
    // A second connection adds a trigger that fails the insert of one marked id: a real SQLite
    // error in the middle of the batch, after other rows were already inserted.
    const other = openSqlite(path);
    other.exec(`CREATE TRIGGER fail_marked BEFORE INSERT ON events WHEN NEW.id = 'urn:test:fail'
                BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END`);
    try {
      const before = await store.append(newEvent(1), 1);
      const outcomes = await Promise.allSettled([
        store.append(newEvent(2), 2),
        store.append(newEvent(3), 3),
        store.append(newEvent(0, { id: 'urn:test:fail' }), 4),
        store.append(newEvent(4), 5),
      ]);
      expect(outcomes).toEqual(
        Array.from({ length: 4 }, () => ({ status: 'rejected', reason: storeError('UNAVAILABLE') })),
      );
      expect(await readAll(store)).toEqual([before]);
      other.exec('DROP TRIGGER fail_marked');
      const after = await Promise.all([store.append(newEvent(2), 6), store.append(newEvent(3), 7)]);
      expect(await readAll(store)).toEqual([before, ...after]);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('rejects a whole batch with UNAVAILABLE when another connection holds the write lock too long', async () => {
    const path = newPath();
    const store = SqliteStore.open(path, { busyTimeoutMs: 0 });
    const other = openSqlite(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const outcomes = await Promise.allSettled([1, 2, 3].map((n) => store.append(newEvent(n), n)));
      expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
      expect(outcomes[2]).toEqual({ status: 'rejected', reason: storeError('UNAVAILABLE') });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.headCursor()).toBe(0);
    await store.close();
  });

  it('commits the queued appends when closed before their flush, and takes no new ones', async () => {
    const path = newPath();
    const store = SqliteStore.open(path);
    const appends = [1, 2, 3].map((n) => store.append(newEvent(n), n));
    await store.close();
    const stored = await Promise.all(appends);
    expectAscendingCursors(stored);
    await expect(store.append(newEvent(4), 4)).rejects.toEqual(storeError('CLOSED'));
    const reopened = SqliteStore.open(path);
    try {
      expect(await readAll(reopened)).toEqual(stored);
    } finally {
      await reopened.close();
    }
  });
});
