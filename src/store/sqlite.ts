/**
 * A Store on one SQLite file, through node:sqlite or better-sqlite3 (sqlite-driver.ts). The history
 * survives restarts and crashes: `append` resolves only after the transaction holding its event
 * committed, in WAL mode with `synchronous=FULL` by default (the WAL is fsynced on every commit, so
 * an acknowledged event survives a power cut; NORMAL fsyncs only at checkpoints: it survives a crash
 * of the process, not of the machine).
 *
 * Group commit: a commit costs one fsync (~0.2 ms on a quiet disk, far more under load) whatever it
 * holds, so one transaction per event capped us at ~5,500 appends/s; with batching, 100 appends in
 * flight reach ~120,000/s (measured on a 2-core VM, synchronous=FULL). `append` only queues the
 * event; the first append of an event-loop turn schedules one flush (`setImmediate`, so appends
 * arriving from every I/O callback of the turn share it, where a microtask would flush after each
 * callback), which inserts the whole queue in arrival order in ONE transaction, commits, and then
 * resolves each append in order. Acknowledged still means committed. Reads never see a queued
 * event (it is not inserted yet), and the hub dispatches an event only after its `append`
 * resolved, so no subscriber can receive an event that a crash could take back.
 * (A test that fakes `setImmediate`, as `vi.useFakeTimers()` does by default, must advance the
 * fake timers for an append to settle.)
 *
 * Both drivers are synchronous: a flush blocks the event loop for its inserts and one fsync, which
 * is why a batch is bounded (`MAX_BATCH_EVENTS`, `MAX_BATCH_CHARS`); the rest wait for the next
 * turn. Reads are single indexed statements wrapped in resolved promises to fit the async Store
 * port that Redis needs.
 */
import type { AppendOptions, Cursor, NewEvent, RetentionPolicy, Store, StoredEvent } from '../hub/index.js';
import { checkPublishedAtMs, checkRange, isNonNegativeInteger } from './arguments.js';
import { closedError, duplicateIdError, StoreError } from './errors.js';
import { ageCutoffMs, checkRetention } from './retention.js';
import {
  DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
  inTransaction,
  isUniqueViolation,
  openSqlite,
  pragmaValue,
  type SqliteConnection,
  type SqliteDriverChoice,
  type SqliteDriverName,
  type SqliteStatement,
} from './sqlite-driver.js';
import { migrate } from './sqlite-schema.js';
import { toStoredEvent } from './stored-event.js';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface SqliteStoreOptions {
  /** `FULL` (default): durable across power loss. `NORMAL`: across process crashes only, faster. */
  synchronous?: SqliteSynchronous | undefined;
  /** How long a write waits for another connection's lock before failing. Default 5000. */
  busyTimeoutMs?: number | undefined;
  /** The driver. Default: `HERALD_SQLITE_DRIVER`, else `auto` (see sqlite-driver.ts). */
  driver?: SqliteDriverChoice | undefined;
}

/** Long enough to ride out a checkpoint or a pruning pass by another process on the same file. */
export const DEFAULT_BUSY_TIMEOUT_MS = DEFAULT_SQLITE_BUSY_TIMEOUT_MS;

/** `PRAGMA synchronous` reads back as a number. */
const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

interface EventRow {
  cursor: number;
  id: string;
  topics: string;
  data: string;
  type: string | null;
  retry_ms: number | null;
  is_private: number;
  published_at_ms: number;
}

type InsertParams = Omit<EventRow, 'cursor'> & { is_exclusive_id: 0 | 1 };

/** Single-value reads are aliased `AS value`. */
interface ValueRow<T> {
  value: T;
}

/**
 * One flush inserts at most this many events. At the ~120,000 appends/s measured with batching, a
 * thousand inserts hold the loop for about 8 ms; a larger batch would stall every socket longer.
 */
export const MAX_BATCH_EVENTS = 1000;
/**
 * ... and at most about this much text (UTF-16 code units of id, topics and data: a cheap stand-in
 * for bytes), so a few huge events do not stall the loop either. A batch always takes at least one
 * event, however large.
 */
export const MAX_BATCH_CHARS = 4 * 1024 * 1024;

/** An append waiting for the next flush. */
interface PendingAppend {
  row: InsertParams;
  /** Copied when `append` was called (the caller may reuse its object); the cursor is set at commit. */
  stored: StoredEvent;
  sizeChars: number;
  resolve: (stored: StoredEvent) => void;
  reject: (error: unknown) => void;
}

/** What one row of a committed batch became: its cursor, or the DUPLICATE_ID that failed it alone. */
type RowOutcome = Cursor | StoreError;

const SELECT_COLUMNS = 'cursor, id, topics, data, type, retry_ms, is_private, published_at_ms';

export class SqliteStore implements Store {
  readonly #db: SqliteConnection;
  readonly #insertBatch: (batch: readonly PendingAppend[]) => RowOutcome[];
  readonly #cursorOf: SqliteStatement<ValueRow<number | null>>;
  readonly #readRange: SqliteStatement<EventRow>;
  readonly #head: SqliteStatement<ValueRow<number | null>>;
  readonly #countBoundary: SqliteStatement<ValueRow<number>>;
  readonly #ageBoundary: SqliteStatement<ValueRow<number | null>>;
  readonly #deleteThrough: SqliteStatement;
  #isClosed = false;
  /** Appends in call order; their cursors will ascend in this order. */
  #queue: PendingAppend[] = [];
  #isFlushScheduled = false;

  /** Opens (creating if needed) the database at `path`; `:memory:` gives a private in-memory one. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `synchronous must be FULL or NORMAL, got ${String(synchronous)}`,
      );
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!isNonNegativeInteger(busyTimeoutMs)) {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`,
      );
    }
    let db: SqliteConnection | undefined;
    try {
      db = openSqlite(path, { driver: options.driver, busyTimeoutMs });
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${synchronous}`);
      migrate(db);
      return new SqliteStore(db);
    } catch (error) {
      db?.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        'OPEN_FAILED',
        `Cannot open the SQLite store at ${JSON.stringify(path)}: ${message(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  private constructor(db: SqliteConnection) {
    this.#db = db;
    const insert = db.prepare(
      `INSERT INTO events (id, topics, data, type, retry_ms, is_private, published_at_ms, is_exclusive_id)
       VALUES (@id, @topics, @data, @type, @retry_ms, @is_private, @published_at_ms, @is_exclusive_id)`,
    );
    // The newest kept event with the row's id, when the row repeats it field for field (see "Ids" on
    // the Store port). An id never stored costs one probe of the id index; only the newest event of
    // a reused id is compared, so a data column is read at most once.
    const repeated = db.prepare<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events
       WHERE cursor = (SELECT MAX(cursor) FROM events WHERE id = @id)
         AND topics = @topics AND data = @data AND type IS @type AND retry_ms IS @retry_ms
         AND is_private = @is_private`,
    );
    const exclusive = db.prepare<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE id = ? AND is_exclusive_id = 1`,
    );
    // Inside the batch's IMMEDIATE transaction: the check and the insert see the same history, also
    // the rows inserted before in this batch, and no other connection writes in between.
    const insertRow = (pending: PendingAppend): RowOutcome => {
      const repeat = repeated.get(pending.row);
      if (repeat !== undefined) return duplicateIdError(fromRow(repeat));
      try {
        return Number(insert.run(pending.row).lastInsertRowid);
      } catch (error) {
        // Only the exclusive-id index is unique. Its violation fails its own append only: under the
        // default ABORT conflict resolution a failed INSERT undoes that one statement and the
        // transaction goes on. Anything else (I/O error, disk full, a trigger) is rethrown and rolls
        // the whole batch back.
        const kept = isUniqueViolation(error) ? exclusive.get(pending.row.id) : undefined;
        if (kept === undefined) throw error;
        return duplicateIdError(fromRow(kept), error);
      }
    };
    // IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy_timeout) instead
    // of failing half-way with SQLITE_BUSY on upgrade. One commit, one fsync, for the whole batch.
    this.#insertBatch = (batch) => inTransaction(db, 'IMMEDIATE', () => batch.map(insertRow));
    // One seek on the id index, ordered by (id, cursor): the earliest kept event with the id, and a
    // bounded lookup for ids we never stored.
    this.#cursorOf = db.prepare('SELECT MIN(cursor) AS value FROM events WHERE id = ?');
    this.#readRange = db.prepare<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE cursor > ? AND cursor <= ? ORDER BY cursor LIMIT ?`,
    );
    this.#head = db.prepare('SELECT MAX(cursor) AS value FROM events');
    // The OFFSET walks maxEvents rowid entries (about 12 ms for a million, measured): fine for a
    // periodic prune, and exact even if cursors ever had gaps, unlike `head - maxEvents`.
    this.#countBoundary = db.prepare(
      'SELECT cursor AS value FROM events ORDER BY cursor DESC LIMIT 1 OFFSET ?',
    );
    // INDEXED BY: left alone, the planner walks the table down from the newest cursor until it
    // meets an old row, which is O(kept) on every prune; the index walks the old entries only.
    this.#ageBoundary = db.prepare(
      'SELECT MAX(cursor) AS value FROM events INDEXED BY events_published_at_ms WHERE published_at_ms < ?',
    );
    this.#deleteThrough = db.prepare('DELETE FROM events WHERE cursor <= ?');
  }

  /**
   * Queues the event for the next flush (see the file comment); resolves once the transaction
   * holding it committed. DUPLICATE_ID fails this append alone; UNAVAILABLE fails its whole batch,
   * none of which was written.
   */
  append(event: NewEvent, publishedAtMs: number, options: AppendOptions = {}): Promise<StoredEvent> {
    try {
      this.#checkOpen();
      checkPublishedAtMs(publishedAtMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const stored = toStoredEvent(event, 0, publishedAtMs);
    const row = toRow(stored, options.isIdExclusive === true);
    const sizeChars = row.id.length + row.topics.length + row.data.length;
    return new Promise<StoredEvent>((resolve, reject) => {
      this.#queue.push({ row, stored, sizeChars, resolve, reject });
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#isFlushScheduled) return;
    this.#isFlushScheduled = true;
    setImmediate(() => {
      this.#isFlushScheduled = false;
      this.#flushBatch();
      // What did not fit waits one more turn, so sockets and timers get the loop in between.
      if (this.#queue.length > 0) this.#scheduleFlush();
    });
  }

  /** Commits the oldest queued appends in one transaction, then settles them in call order. */
  #flushBatch(): void {
    const batch = this.#queue.splice(0, this.#batchLength());
    if (batch.length === 0) return;
    let outcomes: RowOutcome[];
    try {
      outcomes = this.#insertBatch(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(unavailable(error));
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (typeof outcome === 'number') {
        pending.stored.cursor = outcome;
        pending.resolve(pending.stored);
      } else {
        pending.reject(outcome);
      }
    });
  }

  /** How many of the queued appends the next flush takes: within both bounds, at least one. */
  #batchLength(): number {
    let length = 0;
    let sizeChars = 0;
    for (const pending of this.#queue) {
      if (length === MAX_BATCH_EVENTS) break;
      if (length > 0 && sizeChars + pending.sizeChars > MAX_BATCH_CHARS) break;
      sizeChars += pending.sizeChars;
      length++;
    }
    return length;
  }

  async cursorOf(id: string): Promise<Cursor | undefined> {
    this.#checkOpen();
    return this.#guard(() => this.#cursorOf.get(id)?.value ?? undefined);
  }

  async readRange(after: Cursor, upTo: Cursor, limit: number): Promise<StoredEvent[]> {
    this.#checkOpen();
    checkRange(after, upTo, limit);
    if (upTo <= after) return [];
    return this.#guard(() => this.#readRange.all(after, upTo, limit).map(fromRow));
  }

  async headCursor(): Promise<Cursor> {
    this.#checkOpen();
    return this.#guard(() => this.#head.get()?.value ?? 0);
  }

  async prune(policy: RetentionPolicy, nowMs: number): Promise<number> {
    this.#checkOpen();
    checkRetention(policy, nowMs);
    const cutoffMs = ageCutoffMs(policy, nowMs);
    // One write transaction, so both boundaries and the delete see the same history.
    const pruneOnce = () => {
      const byCount =
        policy.maxEvents === undefined ? undefined : this.#countBoundary.get(policy.maxEvents)?.value;
      const byAge = cutoffMs === undefined ? undefined : this.#ageBoundary.get(cutoffMs)?.value;
      const through = Math.max(byCount ?? 0, byAge ?? 0);
      return through === 0 ? 0 : this.#deleteThrough.run(through).changes;
    };
    return this.#guard(() => inTransaction(this.#db, 'IMMEDIATE', pruneOnce));
  }

  /** One indexed read (the head), so a database that cannot be read shows up as UNAVAILABLE. */
  async ping(): Promise<void> {
    this.#checkOpen();
    this.#guard(() => this.#head.get());
  }

  /** The settings in force on this connection, read back from SQLite (for tests and diagnostics). */
  settings(): { journalMode: string; synchronous: string; busyTimeoutMs: number; driver: SqliteDriverName } {
    this.#checkOpen();
    const synchronousLevel = pragmaValue(this.#db, 'synchronous') as number;
    return {
      journalMode: String(pragmaValue(this.#db, 'journal_mode')),
      synchronous: SYNCHRONOUS_NAMES[synchronousLevel] ?? String(synchronousLevel),
      busyTimeoutMs: pragmaValue(this.#db, 'busy_timeout') as number,
      driver: this.#db.driverName,
    };
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    try {
      // Closing stops new appends, not queued ones: they commit (or fail) before the file closes.
      while (this.#queue.length > 0) this.#flushBatch();
      // Folds the WAL back into the main file so the next open does not replay it, and the
      // `-wal` file does not linger at its high-water size.
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      this.#db.close();
    }
  }

  #checkOpen(): void {
    if (this.#isClosed) throw closedError('The SQLite store');
  }

  #guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function toRow(event: StoredEvent, isIdExclusive: boolean): InsertParams {
  return {
    is_exclusive_id: isIdExclusive ? 1 : 0,
    id: event.id,
    topics: JSON.stringify(event.topics),
    data: event.data,
    type: event.type ?? null,
    retry_ms: event.retryMs ?? null,
    is_private: event.isPrivate ? 1 : 0,
    published_at_ms: event.publishedAtMs,
  };
}

function fromRow(row: EventRow): StoredEvent {
  return {
    id: row.id,
    topics: JSON.parse(row.topics) as string[],
    data: row.data,
    type: row.type ?? undefined,
    retryMs: row.retry_ms ?? undefined,
    isPrivate: row.is_private === 1,
    cursor: row.cursor,
    publishedAtMs: row.published_at_ms,
  };
}

/** Disk full, I/O error, a lock held past busy_timeout: the caller may retry; the HTTP layer says 503. */
function unavailable(error: unknown): StoreError {
  return new StoreError('UNAVAILABLE', `The SQLite store failed: ${message(error)}`, { cause: error });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
