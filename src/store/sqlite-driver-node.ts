/**
 * The SQLite driver port on `node:sqlite` (DatabaseSync, StatementSync). Typed here, for the part we
 * use, because the project's Node types are those of its oldest Node, which has no `node:sqlite`.
 */
import type {
  SqliteBindings,
  SqliteConnection,
  SqliteDriver,
  SqliteParameter,
  SqliteRunResult,
  SqliteStatement,
  SqliteValue,
} from './sqlite-driver.js';

type NodeSqliteValue = SqliteValue;

interface StatementSync {
  run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...parameters: unknown[]): unknown;
  all(...parameters: unknown[]): unknown[];
}

interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
  /** From Node 22.16 and 24.0. */
  readonly isTransaction?: boolean;
}

export interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => DatabaseSync;
}

export function nodeSqliteDriver(module: NodeSqliteModule): SqliteDriver {
  return {
    name: 'node:sqlite',
    open(path, { isReadOnly }) {
      return new NodeSqliteConnection(new module.DatabaseSync(path, { readOnly: isReadOnly }));
    },
  };
}

class NodeSqliteConnection implements SqliteConnection {
  readonly driverName = 'node:sqlite';
  readonly #db: DatabaseSync;
  #isClosed = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get isInTransaction(): boolean | undefined {
    return this.#db.isTransaction;
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  prepare<Row = unknown>(sql: string): SqliteStatement<Row> {
    const statement = this.#db.prepare(sql);
    const names = namedParameters(sql);
    // Statements with `@name` parameters take one object; the others, positional values.
    const bind =
      names.length === 0
        ? (parameters: SqliteParameter[]) => parameters
        : (parameters: SqliteParameter[]) => [prefixed(names, parameters[0])];
    return {
      run: (...parameters): SqliteRunResult => {
        const result = statement.run(...bind(parameters));
        return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
      },
      get: (...parameters) => statement.get(...bind(parameters)) as Row | undefined,
      all: (...parameters) => statement.all(...bind(parameters)) as Row[],
    };
  }

  close(): void {
    // Idempotent, as better-sqlite3's is: node:sqlite throws on a second close, and a hub shutting
    // down while its stores are already closed (a racing publish) closes twice.
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#db.close();
  }
}

/** The distinct `@name` parameters of our SQL (no string literal of ours holds an `@`). */
function namedParameters(sql: string): string[] {
  return [...new Set(Array.from(sql.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g), (match) => match[1] ?? ''))];
}

/**
 * The statement's own parameters, prefixed: node:sqlite accepts bare names only from 22.6 and throws
 * on a key the statement lacks (before `setAllowUnknownNamedParameters`), where better-sqlite3
 * ignores it; and it binds a missing one as NULL, where better-sqlite3 throws. We do as
 * better-sqlite3 does, on every Node.
 */
function prefixed(
  names: readonly string[],
  parameter: SqliteParameter | undefined,
): Record<string, NodeSqliteValue> {
  if (typeof parameter !== 'object' || parameter === null || parameter instanceof Uint8Array) {
    throw new TypeError('A statement with named parameters takes one object of values');
  }
  const bindings = parameter as SqliteBindings;
  const result: Record<string, NodeSqliteValue> = {};
  for (const name of names) {
    if (!(name in bindings)) throw new RangeError(`Missing named parameter "${name}"`);
    result[`@${name}`] = bindings[name] ?? null;
  }
  return result;
}
