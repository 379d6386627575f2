import type { NewSchedule, Schedule, ScheduledEvent, ScheduleState } from '../schedule/index.js';
import {
  type Completion,
  DEFAULT_LIST_LIMIT,
  type DeliveryRecord,
  type ScheduleFilter,
  type ScheduleStore,
  ScheduleStoreError,
} from '../schedule/index.js';
import type { Disambiguation } from '../time/index.js';
import {
  inTransaction,
  isUniqueViolation,
  openSqlite,
  type SqliteConnection,
  type SqliteDriverChoice,
} from './sqlite-driver.js';
import { type BetterSqlite3Database, betterSqlite3Connection } from './sqlite-driver-better.js';

/**
 * Schedules in their own table of a SQLite file, shareable by several hub processes (each opens its
 * own connection). WAL lets readers run beside the one writer; `busy_timeout` makes a second
 * process wait for the write lock instead of failing. A claim is one
 * `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING *` inside `BEGIN IMMEDIATE`, so two schedulers
 * can never claim the same row: the second sees it already claimed with a live lease.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS herald_schedules (
  id TEXT PRIMARY KEY,
  topics TEXT NOT NULL,
  owner_id TEXT,
  event TEXT NOT NULL,
  due_at_ms INTEGER NOT NULL,
  zone TEXT,
  local TEXT,
  disambiguation TEXT NOT NULL,
  rrule TEXT,
  created_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  claimed_by TEXT,
  lease_until_ms INTEGER,
  delivered_count INTEGER NOT NULL DEFAULT 0,
  last_delivered_at_ms INTEGER,
  last_late_by_ms INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS herald_schedules_due ON herald_schedules (state, due_at_ms);
CREATE INDEX IF NOT EXISTS herald_schedules_lease ON herald_schedules (state, lease_until_ms);
`;

interface Row {
  id: string;
  topics: string;
  owner_id: string | null;
  event: string;
  due_at_ms: number;
  zone: string | null;
  local: string | null;
  disambiguation: string;
  rrule: string | null;
  created_at_ms: number;
  state: string;
  claimed_by: string | null;
  lease_until_ms: number | null;
  delivered_count: number;
  last_delivered_at_ms: number | null;
  last_late_by_ms: number | null;
  occurrence_index: number | null;
}

type ClaimParams = {
  nowMs: number;
  limit: number;
  workerId: string;
  leaseUntilMs: number;
};

type RenewParams = {
  ids: string;
  workerId: string;
  leaseUntilMs: number;
};

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function fromRow(row: Row): Schedule {
  return {
    id: row.id,
    topics: JSON.parse(row.topics) as string[],
    ownerId: orUndefined(row.owner_id),
    event: JSON.parse(row.event) as ScheduledEvent,
    dueAtMs: row.due_at_ms,
    zone: orUndefined(row.zone),
    local: orUndefined(row.local),
    disambiguation: row.disambiguation as Disambiguation,
    rrule: orUndefined(row.rrule),
    createdAtMs: row.created_at_ms,
    state: row.state as ScheduleState,
    claimedBy: orUndefined(row.claimed_by),
    leaseUntilMs: orUndefined(row.lease_until_ms),
    deliveredCount: row.delivered_count,
    lastDeliveredAtMs: orUndefined(row.last_delivered_at_ms),
    lastLateByMs: orUndefined(row.last_late_by_ms),
    occurrenceIndex: orUndefined(row.occurrence_index),
  };
}

export interface SqliteScheduleStoreOptions {
  /** How long a connection waits for another process's write lock before failing. Default 5 s. */
  busyTimeoutMs?: number | undefined;
  /** For a path: the driver. Default: `HERALD_SQLITE_DRIVER`, else `auto` (see sqlite-driver.ts). */
  driver?: SqliteDriverChoice | undefined;
}

export class SqliteScheduleStore implements ScheduleStore {
  readonly #db: SqliteConnection;
  readonly #ownsDb: boolean;
  readonly #claim: (params: ClaimParams) => Row[];
  readonly #completeAll: (completions: readonly Completion[], workerId: string) => number;
  readonly #renew: (params: RenewParams) => string[];

  /**
   * Opens (and creates) the table in `database`: a file path, an open connection, or a better-sqlite3
   * `Database` the caller opened.
   */
  constructor(
    database: SqliteConnection | BetterSqlite3Database | string,
    { busyTimeoutMs = 5_000, driver }: SqliteScheduleStoreOptions = {},
  ) {
    this.#ownsDb = typeof database === 'string';
    this.#db =
      typeof database === 'string'
        ? openSqlite(database, { driver, busyTimeoutMs })
        : 'driverName' in database
          ? database
          : betterSqlite3Connection(database);
    if (this.#ownsDb) {
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA synchronous = FULL');
    }
    const db = this.#db;
    db.exec(SCHEMA);
    // Added after the table: where a rule with COUNT resumes. Once per file, under the write lock.
    const hasOccurrenceIndex = () =>
      db
        .prepare<{ name: string }>('PRAGMA table_info(herald_schedules)')
        .all()
        .some((column) => column.name === 'occurrence_index');
    inTransaction(db, 'IMMEDIATE', () => {
      if (!hasOccurrenceIndex()) db.exec('ALTER TABLE herald_schedules ADD COLUMN occurrence_index INTEGER');
    });
    const claim = db.prepare<Row>(`
      UPDATE herald_schedules SET state = 'claimed', claimed_by = @workerId, lease_until_ms = @leaseUntilMs
      WHERE id IN (
        SELECT id FROM herald_schedules
        WHERE (state = 'pending' AND due_at_ms <= @nowMs) OR (state = 'claimed' AND lease_until_ms <= @nowMs)
        ORDER BY due_at_ms, id LIMIT @limit
      )
      RETURNING *`);
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes can
    // fail with SQLITE_BUSY when another process wrote in between, instead of waiting.
    this.#claim = (params) => inTransaction(db, 'IMMEDIATE', () => claim.all(params));
    const complete = db.prepare(`
      UPDATE herald_schedules SET
        state = CASE WHEN @nextDueMs IS NULL THEN 'done' ELSE 'pending' END,
        due_at_ms = COALESCE(@nextDueMs, due_at_ms), claimed_by = NULL, lease_until_ms = NULL,
        delivered_count = delivered_count + 1,
        occurrence_index = COALESCE(@nextOccurrenceIndex, occurrence_index),
        last_delivered_at_ms = @deliveredAtMs, last_late_by_ms = @lateByMs
      WHERE id = @id AND state = 'claimed' AND claimed_by = @workerId`);
    this.#completeAll = (completions, workerId) =>
      inTransaction(db, 'IMMEDIATE', () => {
        let changes = 0;
        for (const { id, nextDueMs, nextOccurrenceIndex = null, delivery } of completions) {
          changes += complete.run({ id, nextDueMs, nextOccurrenceIndex, workerId, ...delivery }).changes;
        }
        return changes;
      });
    // One UPDATE for the batch (its ids as a JSON array), IMMEDIATE like the claim.
    const renew = db.prepare<{ id: string }>(`
      UPDATE herald_schedules SET lease_until_ms = @leaseUntilMs
      WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'claimed' AND claimed_by = @workerId
      RETURNING id`);
    this.#renew = (params) => inTransaction(db, 'IMMEDIATE', () => renew.all(params)).map((row) => row.id);
  }

  async add(s: NewSchedule): Promise<Schedule> {
    try {
      this.#db
        .prepare(
          `INSERT INTO herald_schedules (id, topics, owner_id, event, due_at_ms, zone, local, disambiguation, rrule,
             created_at_ms, occurrence_index, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
        )
        .run(
          s.id,
          JSON.stringify(s.topics),
          s.ownerId ?? null,
          JSON.stringify(s.event),
          s.dueAtMs,
          s.zone ?? null,
          s.local ?? null,
          s.disambiguation,
          s.rrule ?? null,
          s.createdAtMs,
          s.occurrenceIndex ?? null,
        );
    } catch (error) {
      // The primary key is the table's only unique index.
      if (isUniqueViolation(error)) {
        throw new ScheduleStoreError('SCHEDULE_DUPLICATE_ID', `schedule ${s.id} exists`);
      }
      throw error;
    }
    return (await this.get(s.id))!;
  }

  async get(id: string): Promise<Schedule | undefined> {
    const row = this.#db.prepare<Row>('SELECT * FROM herald_schedules WHERE id = ?').get(id);
    return row === undefined ? undefined : fromRow(row);
  }

  async list(filter: ScheduleFilter = {}): Promise<Schedule[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.topic !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(topics) WHERE value = ?)');
      params.push(filter.topic);
    }
    if (filter.ownerId !== undefined) {
      where.push('owner_id = ?');
      params.push(filter.ownerId);
    }
    if (filter.states !== undefined) {
      where.push(`state IN (${filter.states.map(() => '?').join(',') || 'NULL'})`);
      params.push(...filter.states);
    }
    const sql = `SELECT * FROM herald_schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY due_at_ms, id LIMIT ?`;
    const rows = this.#db.prepare<Row>(sql).all(...params, filter.limit ?? DEFAULT_LIST_LIMIT);
    return rows.map(fromRow);
  }

  async cancel(id: string, ownerId?: string): Promise<boolean> {
    const result = this.#db
      .prepare(
        `UPDATE herald_schedules SET state = 'cancelled', claimed_by = NULL, lease_until_ms = NULL
         WHERE id = @id AND state IN ('pending', 'claimed') AND (@ownerId IS NULL OR owner_id = @ownerId)`,
      )
      .run({ id, ownerId: ownerId ?? null });
    return result.changes === 1;
  }

  async claimDue(nowMs: number, limit: number, workerId: string, leaseMs: number): Promise<Schedule[]> {
    return this.#claim({ nowMs, limit, workerId, leaseUntilMs: nowMs + leaseMs })
      .map(fromRow)
      .sort((a, b) => a.dueAtMs - b.dueAtMs || (a.id < b.id ? -1 : 1));
  }

  async complete(
    id: string,
    nextDueMs: number | null,
    workerId: string,
    delivery: DeliveryRecord,
    nextOccurrenceIndex?: number,
  ): Promise<boolean> {
    return this.#completeAll([{ id, nextDueMs, nextOccurrenceIndex, delivery }], workerId) === 1;
  }

  async completeAll(completions: readonly Completion[], workerId: string): Promise<number> {
    return this.#completeAll(completions, workerId);
  }

  async renew(ids: readonly string[], workerId: string, nowMs: number, leaseMs: number): Promise<string[]> {
    const held = new Set(this.#renew({ ids: JSON.stringify(ids), workerId, leaseUntilMs: nowMs + leaseMs }));
    return [...new Set(ids)].filter((id) => held.has(id));
  }

  async nextDueMs(): Promise<number | undefined> {
    const row = this.#db
      .prepare<{ at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(due_at_ms) AS at FROM herald_schedules WHERE state = 'pending'
           UNION ALL SELECT MIN(lease_until_ms) FROM herald_schedules WHERE state = 'claimed')`,
      )
      .get();
    return orUndefined(row?.at ?? null);
  }

  async purgeFinished(beforeMs: number): Promise<number> {
    return this.#db
      .prepare(`DELETE FROM herald_schedules WHERE state IN ('done', 'cancelled') AND created_at_ms < ?`)
      .run(beforeMs).changes;
  }

  /** Closes the connection when this store opened it from a path; a passed-in one stays open. */
  async close(): Promise<void> {
    if (this.#ownsDb) this.#db.close();
  }
}
