import type { NewSchedule, Schedule, ScheduleState } from './schedule.js';

/**
 * Where schedules live. The store, not any timer, is the source of truth for what is due, so that
 * several hub processes can share one store and a restarted hub finds what fell due meanwhile.
 *
 * Exactly one delivery per occurrence: `claimDue` hands each due schedule to one worker for
 * `leaseMs` (atomically: SQLite runs one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING in an
 * IMMEDIATE transaction). A worker that dies mid-delivery loses its lease and another claims the
 * schedule again; the event id derived from (schedule id, due instant) makes that retry a
 * duplicate the event store refuses, rather than a second delivery.
 */
export interface ScheduleStore {
  /** Stores a new schedule as `pending`. Rejects with `SCHEDULE_DUPLICATE_ID` when the id exists. */
  add(schedule: NewSchedule): Promise<Schedule>;
  get(id: string): Promise<Schedule | undefined>;
  /** Schedules by ascending `dueAtMs` (then id), filtered; `limit` defaults to 100. */
  list(filter?: ScheduleFilter): Promise<Schedule[]>;
  /**
   * Cancels a `pending` or `claimed` schedule (of `ownerId` when given). Returns false when there
   * is no such schedule or it is already done/cancelled. A delivery already in flight may still
   * happen; its `complete` then changes nothing.
   */
  cancel(id: string, ownerId?: string): Promise<boolean>;
  /**
   * Claims up to `limit` schedules due at `nowMs` (pending with `dueAtMs <= nowMs`, or claimed with
   * an expired lease) for `workerId` until `nowMs + leaseMs`, earliest due first.
   */
  claimDue(nowMs: number, limit: number, workerId: string, leaseMs: number): Promise<Schedule[]>;
  /**
   * Records a delivery by the worker holding the claim: with `nextDueMs` the schedule is pending
   * again at that instant, with `null` it is done. Returns false (and changes nothing) when the
   * worker no longer holds the claim (cancelled, or lease taken over).
   */
  complete(
    id: string,
    nextDueMs: number | null,
    workerId: string,
    delivery: DeliveryRecord,
  ): Promise<boolean>;
  /**
   * `complete` for several schedules in one transaction: what the runner calls once per claimed
   * batch, so that SQLite pays one fsync per batch instead of one per delivery. Returns how many
   * completions took effect.
   */
  completeAll(completions: readonly Completion[], workerId: string): Promise<number>;
  /** The earliest instant something may become claimable (a pending due time or a lease expiry). */
  nextDueMs(): Promise<number | undefined>;
  /** Deletes done and cancelled schedules created before `beforeMs`; returns how many. */
  purgeFinished(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}

export interface ScheduleFilter {
  /** Only schedules publishing to this topic (exact match against one of their topics). */
  topic?: string | undefined;
  ownerId?: string | undefined;
  /** Default: all states. */
  states?: readonly ScheduleState[] | undefined;
  limit?: number | undefined;
}

export interface DeliveryRecord {
  deliveredAtMs: number;
  lateByMs: number;
}

export interface Completion {
  id: string;
  nextDueMs: number | null;
  delivery: DeliveryRecord;
}

export const DEFAULT_LIST_LIMIT = 100;

export type ScheduleStoreErrorCode = 'SCHEDULE_DUPLICATE_ID';

export class ScheduleStoreError extends Error {
  override readonly name = 'ScheduleStoreError';
  readonly code: ScheduleStoreErrorCode;

  constructor(code: ScheduleStoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
