/**
 * Which SQLite driver runs on which Node, how to force one, and the port's own behaviour on each
 * driver this Node can run (the Store and ScheduleStore suites run on each too: sqlite.test.ts,
 * schedule-store.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  betterSqlite3Conflict,
  inTransaction,
  isUniqueViolation,
  openSqlite,
  pragmaValue,
  SQLITE_DRIVER_VARIABLE,
  type SqliteDriver,
  sqliteDriver,
} from '../../src/store/sqlite-driver.js';
import {
  expectedBetterSqlite3Refusal,
  expectedNodeSqliteRefusal,
  itIsUnavailableForTheDocumentedReason,
  sqliteDriverCases,
} from './sqlite-drivers.js';

const savedChoice = process.env[SQLITE_DRIVER_VARIABLE];
afterEach(() => {
  if (savedChoice === undefined) delete process.env[SQLITE_DRIVER_VARIABLE];
  else process.env[SQLITE_DRIVER_VARIABLE] = savedChoice;
});

const [nodeSqlite, betterSqlite3] = sqliteDriverCases();

/** The driver name, or the error's message. */
function outcomeOf(choose: () => string): string {
  try {
    return choose();
  } catch (error) {
    return (error as Error).message;
  }
}

describe(`the SQLite driver chosen on Node ${process.versions.node}`, () => {
  it('is node:sqlite where it is there and sound, else better-sqlite3, else none with an error naming the way out', () => {
    delete process.env[SQLITE_DRIVER_VARIABLE];
    if (expectedNodeSqliteRefusal() === undefined) {
      expect(sqliteDriver().name).toBe('node:sqlite');
    } else if (expectedBetterSqlite3Refusal() === undefined && betterSqlite3?.isAvailable) {
      expect(sqliteDriver().name).toBe('better-sqlite3');
    } else {
      expect(() => sqliteDriver()).toThrow(
        expect.objectContaining({
          code: 'OPEN_FAILED',
          message: expect.stringMatching(/npm install better-sqlite3.*HERALD_SQLITE_DRIVER/),
        }),
      );
    }
  });

  it('never takes better-sqlite3 on Node >= 24, and never 12 there from 24.19 on', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    if (major >= 24) expect(sqliteDriver('auto').name).toBe('node:sqlite');
    if (major > 24 || (major === 24 && minor >= 19)) {
      expect(betterSqlite3Conflict('12.11.1', process.versions.node)).toMatch(/aborts the process/);
    }
    expect(nodeSqlite?.name).toBe('node:sqlite');
  });

  it('is the one HERALD_SQLITE_DRIVER names, for each driver this Node can run', () => {
    for (const availability of sqliteDriverCases()) {
      process.env[SQLITE_DRIVER_VARIABLE] = availability.name;
      if (availability.isAvailable) expect(sqliteDriver().name).toBe(availability.name);
    }
    process.env[SQLITE_DRIVER_VARIABLE] = 'node';
    if (nodeSqlite?.isAvailable) expect(sqliteDriver().name).toBe('node:sqlite');
    process.env[SQLITE_DRIVER_VARIABLE] = 'auto';
    const forcedAuto = outcomeOf(() => sqliteDriver().name);
    delete process.env[SQLITE_DRIVER_VARIABLE];
    expect(forcedAuto).toEqual(outcomeOf(() => sqliteDriver().name));
  });

  it('refuses a driver this Node cannot run with an error naming the variable and the reason', () => {
    const unavailable = sqliteDriverCases().filter((availability) => !availability.isAvailable);
    for (const availability of unavailable) {
      process.env[SQLITE_DRIVER_VARIABLE] = availability.name;
      expect(() => sqliteDriver()).toThrow(
        expect.objectContaining({
          code: 'OPEN_FAILED',
          message: expect.stringContaining(
            `${availability.name} (asked for by the driver option or HERALD_SQLITE_DRIVER)`,
          ),
        }),
      );
    }
    // Node 20 lacks node:sqlite; Node 24 refuses better-sqlite3 12: one of the two is always there
    // to test, except where both run (Node 22 with better-sqlite3 built for it refuses node:sqlite).
    expect(unavailable.length + sqliteDriverCases().filter((a) => a.isAvailable).length).toBe(2);
  });

  it('refuses an unknown HERALD_SQLITE_DRIVER value with INVALID_ARGUMENT naming the variable', () => {
    process.env[SQLITE_DRIVER_VARIABLE] = 'sqlite3';
    expect(() => sqliteDriver()).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/HERALD_SQLITE_DRIVER must be auto, node:sqlite .* got "sqlite3"/),
      }),
    );
  });
});

describe('betterSqlite3Conflict', () => {
  it.each([
    ['12.11.1', '24.19.0', /aborts the process on Node >= 24\.19/],
    ['12.11.1', '25.1.0', /aborts the process on Node >= 24\.19/],
    ['13.0.0', '20.19.0', /crashes on Node 20/],
  ])('refuses better-sqlite3 %s on Node %s', (version, node, reason) => {
    expect(betterSqlite3Conflict(version, node)).toMatch(reason);
  });

  it.each([
    ['12.11.1', '20.19.0'],
    ['12.11.1', '22.23.5'],
    ['12.11.1', '24.18.0'],
    ['13.0.0', '22.23.5'],
    ['13.0.0', '24.22.3'],
  ])('lets better-sqlite3 %s run on Node %s', (version, node) => {
    expect(betterSqlite3Conflict(version, node)).toBeUndefined();
  });
});

for (const availability of sqliteDriverCases()) {
  if (availability.isAvailable) describeDriverPort(availability.driver);
  else
    describe(`the SQLite driver port on ${availability.name}`, () =>
      itIsUnavailableForTheDocumentedReason(availability));
}

/** What the stores rely on, alike on both drivers. */
function describeDriverPort(driver: SqliteDriver): void {
  describe(`the SQLite driver port on ${driver.name}`, () => {
    const openTable = () => {
      const db = openSqlite(':memory:', { driver });
      db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, size INTEGER)');
      return db;
    };

    it('binds @name parameters from bare keys, ignores keys the statement lacks, and throws on a missing one', () => {
      const db = openTable();
      const insert = db.prepare('INSERT INTO t (name, size) VALUES (@name, @size)');
      expect(insert.run({ name: 'a', size: 1, unused: 'x' })).toEqual({ changes: 1, lastInsertRowid: 1 });
      expect(() => insert.run({ name: 'b' })).toThrow(/Missing named parameter "size"/);
      expect(
        db.prepare<{ name: string; size: number }>('SELECT name, size FROM t WHERE n = ?').get(1),
      ).toEqual(expect.objectContaining({ name: 'a', size: 1 }));
      db.close();
    });

    it('reads integers as numbers, and undefined for no row', () => {
      const db = openTable();
      db.prepare('INSERT INTO t (name, size) VALUES (?, ?)').run('big', Number.MAX_SAFE_INTEGER);
      const row = db.prepare<{ size: unknown; n: unknown }>('SELECT n, size FROM t').get();
      expect(row?.size).toBe(Number.MAX_SAFE_INTEGER);
      expect(typeof row?.n).toBe('number');
      expect(db.prepare('SELECT * FROM t WHERE n = ?').get(99)).toBeUndefined();
      db.close();
    });

    it('closes once; a second close is a no-op, as a hub racing its shutdown needs', () => {
      const db = openTable();
      db.close();
      expect(() => db.close()).not.toThrow();
      expect(() => db.exec('SELECT 1')).toThrow();
    });

    it('keeps text with a NUL character whole', () => {
      const db = openTable();
      db.prepare('INSERT INTO t (name) VALUES (?)').run('a\u0000b');
      expect(db.prepare<{ name: string }>('SELECT name FROM t').get()?.name).toBe('a\u0000b');
      db.close();
    });

    it('commits a transaction, and rolls back the whole of one that throws', () => {
      const db = openTable();
      const insert = db.prepare('INSERT INTO t (name) VALUES (?)');
      expect(inTransaction(db, 'IMMEDIATE', () => insert.run('kept').changes)).toBe(1);
      expect(() =>
        inTransaction(db, 'IMMEDIATE', () => {
          insert.run('undone');
          insert.run('kept');
        }),
      ).toThrow(expect.toSatisfy(isUniqueViolation));
      expect(db.isInTransaction === undefined || db.isInTransaction === false).toBe(true);
      expect(
        db
          .prepare<{ name: string }>('SELECT name FROM t')
          .all()
          .map((row) => row.name),
      ).toEqual(['kept']);
      db.close();
    });

    it('sets the busy timeout on open (5 s unless told) and reads pragmas', () => {
      const db = openSqlite(':memory:', { driver });
      expect(pragmaValue(db, 'busy_timeout')).toBe(5000);
      db.close();
      const other = openSqlite(':memory:', { driver, busyTimeoutMs: 250 });
      expect(pragmaValue(other, 'busy_timeout')).toBe(250);
      expect(other.driverName).toBe(driver.name);
      other.close();
    });
  });
}
