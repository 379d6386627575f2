import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBroker } from '../../src/store/local-broker.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { openSqlite, pragmaValue, type SqliteDriver } from '../../src/store/sqlite-driver.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { describeStoreConformance, newEvent, readAll } from './conformance.js';
import { itIsUnavailableForTheDocumentedReason, sqliteDriverCases } from './sqlite-drivers.js';

let dir: string;
let fileNumber = 0;
const newPath = () => join(dir, `store-${++fileNumber}.db`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// Every driver this Node can run gets the whole suite; one it cannot, a test of why.
for (const availability of sqliteDriverCases()) {
  if (availability.isAvailable) {
    describeSqliteStore(availability.driver);
  } else {
    describe(`SqliteStore on ${availability.name}`, () =>
      itIsUnavailableForTheDocumentedReason(availability));
  }
}

function describeSqliteStore(driver: SqliteDriver): void {
  const open = (path: string, options: Parameters<typeof SqliteStore.open>[1] = {}) =>
    SqliteStore.open(path, { driver, ...options });
  /** A connection of our own to the file, as another process (or an older Herald) opens it. */
  const connect = (path: string, isReadOnly = false) => openSqlite(path, { driver, isReadOnly });

  // Shared storage: the second handle is a second connection to the same file, as a second hub
  // process opens it.
  describeStoreConformance(
    `SqliteStore (file, ${driver.name})`,
    async () => {
      const path = newPath();
      return {
        store: open(path),
        broker: new LocalBroker({ onListenerError: () => {} }),
        openSecondHandle: async () => open(path),
      };
    },
    'shared',
  );

  describe(`SqliteStore on ${driver.name}`, () => {
    it('runs in WAL mode with synchronous=FULL and a busy timeout by default', async () => {
      const store = open(newPath());
      expect(store.settings()).toEqual({
        journalMode: 'wal',
        synchronous: 'FULL',
        busyTimeoutMs: 5000,
        driver: driver.name,
      });
      await store.close();
    });

    it('uses synchronous=NORMAL and the busy timeout when asked', async () => {
      const store = open(newPath(), { synchronous: 'NORMAL', busyTimeoutMs: 250 });
      expect(store.settings()).toEqual({
        journalMode: 'wal',
        synchronous: 'NORMAL',
        busyTimeoutMs: 250,
        driver: driver.name,
      });
      await store.close();
    });

    it('rejects an unknown synchronous level with INVALID_ARGUMENT', () => {
      expect(() => open(newPath(), { synchronous: 'OFF' as 'FULL' })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    });

    it('keeps the history across a reopen and continues the cursors after it', async () => {
      const path = newPath();
      const first = open(path);
      const before = [
        await first.append(newEvent(1), 1),
        await first.append(newEvent(2, { isPrivate: true }), 2),
      ];
      await first.close();
      const second = open(path);
      expect(await readAll(second)).toEqual(before);
      expect(await second.cursorOf('urn:test:2')).toBe(before[1]!.cursor);
      const next = await second.append(newEvent(3), 3);
      expect(next.cursor).toBeGreaterThan(before[1]!.cursor);
      await expect(second.append(newEvent(1), 4)).rejects.toEqual(
        expect.objectContaining({ code: 'DUPLICATE_ID' }),
      );
      await second.close();
    });

    it('never reuses a cursor across a reopen, even when every event was pruned', async () => {
      const path = newPath();
      const first = open(path);
      const last = await first.append(newEvent(1), 1);
      await first.prune({ maxEvents: 0 }, 1);
      await first.close();
      const second = open(path);
      expect(await second.headCursor()).toBe(0);
      expect((await second.append(newEvent(2), 2)).cursor).toBeGreaterThan(last.cursor);
      await second.close();
    });

    it('shares one history between two stores open on the same file', async () => {
      const path = newPath();
      const writer = open(path);
      const reader = open(path);
      const stored = await writer.append(newEvent(1), 1);
      expect(await reader.readRange(0, await reader.headCursor(), 10)).toEqual([stored]);
      await writer.close();
      await reader.close();
    });

    it('records its schema version and looks ids up through an index, exclusive ids through a unique one, and old events through the time index', async () => {
      const path = newPath();
      const store = open(path);
      await store.close();
      const db = connect(path, true);
      try {
        expect(pragmaValue(db, 'user_version')).toBe(SCHEMA_VERSION);
        const plan = db.prepare('EXPLAIN QUERY PLAN SELECT MIN(cursor) FROM events WHERE id = ?').all('x');
        expect(JSON.stringify(plan)).toMatch(/USING (COVERING )?INDEX events_id/);
        const exclusive = db
          .prepare<{ sql: string }>(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'events_exclusive_id'",
          )
          .get()?.sql;
        expect(exclusive).toMatch(
          /CREATE UNIQUE INDEX events_exclusive_id ON events \(id\) WHERE is_exclusive_id = 1/,
        );
        const pruneByAge = db
          .prepare(
            'EXPLAIN QUERY PLAN SELECT MAX(cursor) FROM events INDEXED BY events_published_at_ms WHERE published_at_ms < ?',
          )
          .all(1);
        expect(JSON.stringify(pruneByAge)).toMatch(/INDEX events_published_at_ms/);
      } finally {
        db.close();
      }
    });

    it('upgrades a version 1 database in place: its events kept, its ids exclusive, reuse allowed from then on', async () => {
      const path = newPath();
      // The schema of version 1 as it shipped, with two events written by it.
      const old = connect(path);
      old.exec(`CREATE TABLE events (
       cursor          INTEGER PRIMARY KEY AUTOINCREMENT,
       id              TEXT    NOT NULL,
       topics          TEXT    NOT NULL,
       data            TEXT    NOT NULL,
       type            TEXT,
       retry_ms        INTEGER,
       is_private      INTEGER NOT NULL,
       published_at_ms INTEGER NOT NULL
     );
     CREATE UNIQUE INDEX events_id ON events (id);
     CREATE INDEX events_published_at_ms ON events (published_at_ms);
     INSERT INTO events (id, topics, data, type, retry_ms, is_private, published_at_ms)
       VALUES ('urn:test:1', '["https://example.com/books/1"]', 'data 1', NULL, NULL, 0, 1),
              ('urn:test:2', '["https://example.com/books/2"]', 'data 2', 't', 5, 1, 2);`);
      old.exec('PRAGMA user_version = 1');
      old.close();

      const store = open(path);
      try {
        const before = await readAll(store);
        expect(before).toEqual([
          { ...newEvent(1), type: undefined, retryMs: undefined, cursor: 1, publishedAtMs: 1 },
          { ...newEvent(2), type: 't', retryMs: 5, isPrivate: true, cursor: 2, publishedAtMs: 2 },
        ]);
        // Version 1 ids were unique: an occurrence delivered before the upgrade stays delivered.
        await expect(
          store.append(newEvent(1, { data: 'redelivered' }), 3, { isIdExclusive: true }),
        ).rejects.toEqual(expect.objectContaining({ code: 'DUPLICATE_ID', existing: before[0] }));
        // A publisher reusing one of those ids is stored, and the id still names the earliest event.
        const reuse = await store.append(newEvent(1, { data: 'again' }), 4);
        expect(reuse.cursor).toBe(3);
        expect(await store.cursorOf('urn:test:1')).toBe(1);
      } finally {
        await store.close();
      }
      const db = connect(path, true);
      try {
        expect(pragmaValue(db, 'user_version')).toBe(SCHEMA_VERSION);
        const rows = db
          .prepare<{ id: string; is_exclusive_id: number }>(
            'SELECT id, is_exclusive_id FROM events ORDER BY cursor',
          )
          .all();
        expect(rows.map((row) => [row.id, row.is_exclusive_id])).toEqual([
          ['urn:test:1', 1],
          ['urn:test:2', 1],
          ['urn:test:1', 0],
        ]);
      } finally {
        db.close();
      }
    });

    it('refuses a database written with a newer schema with SCHEMA_TOO_NEW', () => {
      const path = newPath();
      const db = connect(path);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      expect(() => open(path)).toThrow(expect.objectContaining({ code: 'SCHEMA_TOO_NEW' }));
    });

    it('fails with OPEN_FAILED naming the path when the directory does not exist or the file is no database', () => {
      const missing = join(dir, 'no-such-dir', 'x.db');
      expect(() => open(missing)).toThrow(
        expect.objectContaining({ code: 'OPEN_FAILED', message: expect.stringContaining(missing) }),
      );
      const garbage = join(dir, 'garbage.db');
      writeFileSync(garbage, 'this is not a SQLite database, just some text that is long enough'.repeat(20));
      expect(() => open(garbage)).toThrow(expect.objectContaining({ code: 'OPEN_FAILED' }));
    });

    it('checkpoints on close, leaving no write-ahead log behind', async () => {
      const path = newPath();
      const store = open(path);
      for (let n = 1; n <= 20; n++) await store.append(newEvent(n), n);
      expect(existsSync(`${path}-wal`)).toBe(true);
      await store.close();
      expect(!existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0).toBe(true);
    });

    it('fails with UNAVAILABLE, writing nothing, when another connection holds the write lock too long', async () => {
      const path = newPath();
      const store = open(path, { busyTimeoutMs: 0 });
      const other = connect(path);
      other.exec('BEGIN IMMEDIATE');
      try {
        await expect(store.append(newEvent(1), 1)).rejects.toEqual(
          expect.objectContaining({ code: 'UNAVAILABLE' }),
        );
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(await store.headCursor()).toBe(0);
      expect((await store.append(newEvent(1), 1)).id).toBe('urn:test:1');
      await store.close();
    });

    it('works in memory with :memory:', async () => {
      const store = open(':memory:');
      await store.append(newEvent(1), 1);
      expect(await readAll(store)).toHaveLength(1);
      await store.close();
    });
  });
}
