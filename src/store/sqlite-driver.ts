/**
 * The SQLite driver port: the few operations SqliteStore and SqliteScheduleStore use (open a file,
 * exec, prepared statements with run/get/all, transactions, pragmas, close), over two drivers:
 *
 * - `node:sqlite` (DatabaseSync), built into Node from 22.13 and 23.4 without a flag: nothing to
 *   compile, and it follows the Node it ships with.
 * - `better-sqlite3`, an optional dependency, for the Nodes without `node:sqlite` (Node 20). It is a
 *   native addon built for one Node ABI, and two of its majors each crash on one Node line (see
 *   `betterSqlite3Conflict`), so it is refused there rather than allowed to abort the process.
 *
 * `auto` (the default) takes `node:sqlite` where this Node has it and it passes a probe of the one
 * defect we know (Node 22's cuts text at a NUL character), else better-sqlite3. In practice:
 * better-sqlite3 on Node 20 and 22, node:sqlite on Node 24 and later. Measured on one workload
 * (bench/sqlite-driver.ts, bench/RESULTS-sqlite-driver.md): appends at synchronous=FULL, bound by
 * the fsync, cost about the same on both; a replay read costs node:sqlite ~2.6x better-sqlite3's
 * time (it builds each row object through V8's API), still ~150,000 events/s. On Node 24 the only
 * better-sqlite3 one lockfile can hold (12, for Node 20) aborts, so there the choice is node:sqlite.
 * `HERALD_SQLITE_DRIVER` (`auto`, `node:sqlite` or `node`, `better-sqlite3`) forces one for the
 * process; a store's `driver` option overrides it. Drivers load on first use only, so a hub on
 * another store loads neither.
 *
 * The adapters hide the drivers' differences: integers read as numbers (neither reads BigInts),
 * `changes` and `lastInsertRowid` as numbers, named parameters written `@name` in SQL and passed
 * with bare keys (a missing key throws, a key the statement does not use is ignored, as in
 * better-sqlite3), transactions written out as BEGIN/COMMIT/ROLLBACK for both, and each
 * connection's busy timeout set the same way (5 s unless told).
 */
import { createRequire } from 'node:module';
import { StoreError } from './errors.js';
import { type BetterSqlite3Module, betterSqlite3Driver } from './sqlite-driver-better.js';
import { type NodeSqliteModule, nodeSqliteDriver } from './sqlite-driver-node.js';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';
/** A driver by name, `auto` (see the file comment), or one built by the caller (benchmarks). */
export type SqliteDriverChoice = SqliteDriverName | 'auto' | SqliteDriver;

export const SQLITE_DRIVER_NAMES: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];
/** The environment variable that forces a driver for the whole process. */
export const SQLITE_DRIVER_VARIABLE = 'HERALD_SQLITE_DRIVER';
/** better-sqlite3's default, kept for both drivers (node:sqlite's own default is 0: fail at once). */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

export type SqliteValue = string | number | bigint | null | Uint8Array;
/** Values of a statement's `@name` parameters, by bare name. */
export type SqliteBindings = Readonly<Record<string, SqliteValue | undefined>>;
export type SqliteParameter = SqliteValue | SqliteBindings;

export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number;
}

/** A prepared statement: positional `?` values, or one object for `@name` parameters. */
export interface SqliteStatement<Row = unknown> {
  run(...parameters: SqliteParameter[]): SqliteRunResult;
  get(...parameters: SqliteParameter[]): Row | undefined;
  all(...parameters: SqliteParameter[]): Row[];
}

export interface SqliteConnection {
  readonly driverName: SqliteDriverName;
  /** Runs one or more statements, discarding their rows. */
  exec(sql: string): void;
  prepare<Row = unknown>(sql: string): SqliteStatement<Row>;
  /** Whether a transaction is open; `undefined` when the driver cannot tell (node:sqlite < 22.16). */
  readonly isInTransaction: boolean | undefined;
  /** Closes the connection; again is a no-op (as on every driver). */
  close(): void;
}

export interface SqliteDriver {
  readonly name: SqliteDriverName;
  /** Opens (creating if needed) the file at `path`; `:memory:` gives a private in-memory database. */
  open(path: string, options: { isReadOnly: boolean }): SqliteConnection;
}

export type SqliteDriverAvailability =
  | { name: SqliteDriverName; isAvailable: true; driver: SqliteDriver }
  | { name: SqliteDriverName; isAvailable: false; reason: string };

export interface OpenSqliteOptions {
  driver?: SqliteDriverChoice | undefined;
  busyTimeoutMs?: number | undefined;
  isReadOnly?: boolean | undefined;
}

/** Opens a connection on the chosen driver, with its busy timeout set. */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqliteConnection {
  const driver = sqliteDriver(options.driver);
  const db = driver.open(path, { isReadOnly: options.isReadOnly === true });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS)}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The driver a choice names (default: `HERALD_SQLITE_DRIVER`, else `auto`), loaded on first use. */
export function sqliteDriver(choice: SqliteDriverChoice | undefined = choiceFromEnvironment()): SqliteDriver {
  if (typeof choice === 'object') return choice;
  if (choice === 'auto') {
    const builtIn = sqliteDriverAvailability('node:sqlite');
    if (builtIn.isAvailable) return builtIn.driver;
    const addon = sqliteDriverAvailability('better-sqlite3');
    if (addon.isAvailable) return addon.driver;
    throw new StoreError(
      'OPEN_FAILED',
      `No SQLite driver on Node ${process.versions.node}: ${builtIn.reason}; ${addon.reason}. ` +
        `Run on Node >= 22.13, or install better-sqlite3 (npm install better-sqlite3); ${SQLITE_DRIVER_VARIABLE} forces a driver`,
    );
  }
  const availability = sqliteDriverAvailability(choice);
  if (availability.isAvailable) return availability.driver;
  throw new StoreError(
    'OPEN_FAILED',
    `The SQLite driver ${choice} (asked for by the driver option or ${SQLITE_DRIVER_VARIABLE}) cannot be used: ${availability.reason}`,
  );
}

const availabilities = new Map<SqliteDriverName, SqliteDriverAvailability>();

/** Whether a driver can run on this Node and, when not, why; probed once per process. */
export function sqliteDriverAvailability(name: SqliteDriverName): SqliteDriverAvailability {
  let availability = availabilities.get(name);
  if (availability === undefined) {
    availability = name === 'node:sqlite' ? probeNodeSqlite() : probeBetterSqlite3();
    availabilities.set(name, availability);
  }
  return availability;
}

/** The drivers loaded into this process so far (for tests of lazy loading). */
export function loadedSqliteDrivers(): SqliteDriverName[] {
  return SQLITE_DRIVER_NAMES.filter((name) => availabilities.get(name)?.isAvailable === true);
}

function choiceFromEnvironment(): SqliteDriverName | 'auto' {
  const value = process.env[SQLITE_DRIVER_VARIABLE]?.trim() ?? '';
  if (value === '' || value === 'auto') return 'auto';
  if (value === 'node' || value === 'node:sqlite') return 'node:sqlite';
  if (value === 'better-sqlite3') return 'better-sqlite3';
  throw new StoreError(
    'INVALID_ARGUMENT',
    `${SQLITE_DRIVER_VARIABLE} must be auto, node:sqlite (or node) or better-sqlite3, got ${JSON.stringify(value)}`,
  );
}

function probeNodeSqlite(): SqliteDriverAvailability {
  // The synchronous twin of `await import('node:sqlite')`: undefined where this Node has no such
  // module, or has it only behind --experimental-sqlite (22.5 to 22.12) and was started without.
  const module = process.getBuiltinModule('node:sqlite') as NodeSqliteModule | undefined;
  if (module === undefined) {
    return {
      name: 'node:sqlite',
      isAvailable: false,
      reason: `node:sqlite is not in Node ${process.versions.node} (it is from Node 22.13 and 23.4 without a flag)`,
    };
  }
  const driver = nodeSqliteDriver(module);
  const problem = nodeSqliteDefect(driver);
  if (problem !== undefined) return { name: 'node:sqlite', isAvailable: false, reason: problem };
  return { name: 'node:sqlite', isAvailable: true, driver };
}

/**
 * A defect of this Node's node:sqlite that breaks the Store contract, tried on a memory database
 * rather than assumed from a version: Node 22's reads a TEXT value only up to its first NUL
 * character (it stores the whole value), so data holding one would come back cut.
 */
function nodeSqliteDefect(driver: SqliteDriver): string | undefined {
  const db = driver.open(':memory:', { isReadOnly: false });
  try {
    const text = 'a\u0000b';
    const read = db.prepare<{ value: unknown }>('SELECT ? AS value').get(text)?.value;
    if (read !== text) {
      return `node:sqlite in Node ${process.versions.node} cuts text at its first NUL character when reading it (Node 24 reads it whole)`;
    }
    return undefined;
  } finally {
    db.close();
  }
}

function probeBetterSqlite3(): SqliteDriverAvailability {
  const require = createRequire(import.meta.url);
  const unavailable = (reason: string): SqliteDriverAvailability => ({
    name: 'better-sqlite3',
    isAvailable: false,
    reason,
  });
  let version: string;
  try {
    ({ version } = require('better-sqlite3/package.json') as { version: string });
  } catch {
    return unavailable('better-sqlite3 is not installed (npm install better-sqlite3)');
  }
  const conflict = betterSqlite3Conflict(version, process.versions.node);
  if (conflict !== undefined) return unavailable(conflict);
  try {
    const driver = betterSqlite3Driver(require('better-sqlite3') as BetterSqlite3Module);
    // The addon itself loads on the first open: a build for another Node's ABI fails here.
    driver.open(':memory:', { isReadOnly: false }).close();
    return { name: 'better-sqlite3', isAvailable: true, driver };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return unavailable(
      `better-sqlite3 ${version} does not load on Node ${process.versions.node} (${message}); npm rebuild better-sqlite3 builds it for this Node`,
    );
  }
}

/**
 * Why this better-sqlite3 version must not run on this Node, or `undefined`. Both are process
 * aborts, not exceptions: better-sqlite3 12 (on the legacy ObjectWrap) meets a cleanup-hook check
 * of Node >= 24.19 when V8 finalizes a statement; 13 (on Node-API) crashes on Node 20.
 */
export function betterSqlite3Conflict(betterSqlite3Version: string, nodeVersion: string): string | undefined {
  const [major = 0] = betterSqlite3Version.split('.').map(Number);
  const [nodeMajor = 0, nodeMinor = 0] = nodeVersion.split('.').map(Number);
  if (major <= 12 && (nodeMajor > 24 || (nodeMajor === 24 && nodeMinor >= 19))) {
    return `better-sqlite3 ${betterSqlite3Version} aborts the process on Node >= 24.19 (Node ${nodeVersion} here) when V8 finalizes a statement; node:sqlite is built in, or install better-sqlite3 >= 13`;
  }
  if (major >= 13 && nodeMajor <= 20) {
    return `better-sqlite3 ${betterSqlite3Version} crashes on Node ${nodeMajor}; install better-sqlite3 12 (npm install better-sqlite3@12)`;
  }
  return undefined;
}

export type TransactionMode = 'DEFERRED' | 'IMMEDIATE';

/**
 * Runs `work` in one transaction and commits it; rolls back and rethrows if `work` or the commit
 * throws. IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy timeout)
 * instead of failing half-way with SQLITE_BUSY when a read upgrades to a write. Not reentrant:
 * nothing here nests transactions.
 */
export function inTransaction<T>(db: SqliteConnection, mode: TransactionMode, work: () => T): T {
  db.exec(`BEGIN ${mode}`);
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    // SQLite rolls some failures back by itself (a full disk, an I/O error); a second ROLLBACK
    // would fail and hide the first error.
    if (db.isInTransaction !== false) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // Already rolled back.
      }
    }
    throw error;
  }
}

/** The value of `PRAGMA name` (its first column of its first row). */
export function pragmaValue(db: SqliteConnection, name: string): unknown {
  const row = db.prepare<Record<string, unknown>>(`PRAGMA ${name}`).get();
  return row === undefined ? undefined : Object.values(row)[0];
}

/** SQLITE_CONSTRAINT_UNIQUE or SQLITE_CONSTRAINT_PRIMARYKEY, from either driver. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  // better-sqlite3 names the extended code; node:sqlite gives its number.
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

/** Extended result codes (sqlite3.h): SQLITE_CONSTRAINT | (8 << 8), SQLITE_CONSTRAINT | (6 << 8). */
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
