/**
 * The SQLite driver port on better-sqlite3 (an optional dependency, loaded by sqlite-driver.ts only
 * when chosen). Its statements already take what the port passes (positional values, or one object
 * with bare keys for `@name`); the adapter only normalises `lastInsertRowid` to a number.
 */
import type {
  SqliteConnection,
  SqliteDriver,
  SqliteParameter,
  SqliteRunResult,
  SqliteStatement,
} from './sqlite-driver.js';

interface BetterSqlite3Statement {
  run(...parameters: SqliteParameter[]): { changes: number; lastInsertRowid: number | bigint };
  get(...parameters: SqliteParameter[]): unknown;
  all(...parameters: SqliteParameter[]): unknown[];
}

/** The part of a better-sqlite3 `Database` the adapter uses. */
export interface BetterSqlite3Database {
  readonly inTransaction: boolean;
  exec(sql: string): unknown;
  prepare(sql: string): BetterSqlite3Statement;
  close(): unknown;
}

export type BetterSqlite3Module = new (
  path: string,
  options?: { readonly?: boolean },
) => BetterSqlite3Database;

export function betterSqlite3Driver(Database: BetterSqlite3Module): SqliteDriver {
  return {
    name: 'better-sqlite3',
    open: (path, { isReadOnly }) => betterSqlite3Connection(new Database(path, { readonly: isReadOnly })),
  };
}

/** A connection on a better-sqlite3 `Database` the caller opened (it keeps using it too). */
export function betterSqlite3Connection(db: BetterSqlite3Database): SqliteConnection {
  return {
    driverName: 'better-sqlite3',
    get isInTransaction() {
      return db.inTransaction;
    },
    exec: (sql) => {
      db.exec(sql);
    },
    prepare: <Row = unknown>(sql: string): SqliteStatement<Row> => {
      const statement = db.prepare(sql);
      return {
        run: (...parameters): SqliteRunResult => {
          const result = statement.run(...parameters);
          return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) };
        },
        get: (...parameters) => statement.get(...parameters) as Row | undefined,
        all: (...parameters) => statement.all(...parameters) as Row[],
      };
    },
    close: () => {
      db.close();
    },
  };
}
