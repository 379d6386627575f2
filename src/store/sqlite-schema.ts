/**
 * The SQLite schema and its migrations, versioned with `PRAGMA user_version` (0 = empty file).
 * Each migration runs in one transaction, so a crash mid-migration leaves the previous version.
 */
import { StoreError } from './errors.js';
import { inTransaction, pragmaValue, type SqliteConnection } from './sqlite-driver.js';

const MIGRATIONS: readonly string[] = [
  // Version 1.
  // AUTOINCREMENT (not a bare INTEGER PRIMARY KEY) so a cursor is never handed out twice, even
  // after retention deleted the newest rows: a subscriber's old Last-Event-ID must never name a
  // different event. Topics are a JSON array: they are only ever read back whole.
  `CREATE TABLE events (
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
   CREATE INDEX events_published_at_ms ON events (published_at_ms);`,
  // Version 2: a publisher's id may be reused (Mercure: "SHOULD be unique"), so the id index is no
  // longer unique; `cursorOf` reads the earliest cursor of an id from it (an index on id is ordered
  // by (id, rowid), and the rowid is the cursor). Uniqueness remains for exclusive ids (scheduled
  // occurrences), through a partial index. Rows of version 1 were unique by id: they count as
  // exclusive, so an occurrence delivered before the upgrade is still not delivered again. Adding a
  // column with a constant default rewrites no row.
  `ALTER TABLE events ADD COLUMN is_exclusive_id INTEGER NOT NULL DEFAULT 1;
   DROP INDEX events_id;
   CREATE INDEX events_id ON events (id);
   CREATE UNIQUE INDEX events_exclusive_id ON events (id) WHERE is_exclusive_id = 1;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: SqliteConnection): void {
  const readVersion = () => pragmaValue(db, 'user_version') as number;
  const version = readVersion();
  checkKnown(version);
  if (version === SCHEMA_VERSION) return;
  for (let next = 1; next <= SCHEMA_VERSION; next++) {
    // The version is read again under the write lock: two processes opening a new file at once
    // must not both create the tables.
    inTransaction(db, 'IMMEDIATE', () => {
      const version = readVersion();
      checkKnown(version);
      if (version >= next) return;
      db.exec(MIGRATIONS[next - 1]!);
      db.exec(`PRAGMA user_version = ${next}`);
    });
  }
}

function checkKnown(version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'SCHEMA_TOO_NEW',
      `The database has schema version ${version}; this Herald knows versions up to ${SCHEMA_VERSION}`,
    );
  }
}
