import type { NewSchedule, Schedule, ScheduleState } from './schedule.js';

/**
 * Where schedules live; the store, not a timer, is the truth about what is due, so several hub
 * processes (workers) can share it and a restarted hub finds what fell due meanwhile. Every
 * guarantee holds across all handles on a shared storage (SQLite: one connection per process);
 * test/store/schedule-store.test.ts holds every adapter to it, with two workers.
 *
 * Claims and leases
 * - `claimDue(nowMs, limit, workerId, leaseMs)` atomically hands each due schedule to ONE worker
 *   with a lease until `nowMs + leaseMs`, exclusive. Due means `pending` with `dueAtMs <= nowMs`,
 *   or `claimed` with `leaseUntilMs <= nowMs` (an expired lease), earliest due first.
 * - While a lease runs, no claim by any worker on any handle returns that schedule, the holder's
 *   own included. Once it expired, the next claim by any worker takes it over.
 * - A claim returning fewer than `limit` left nothing due unclaimed at `nowMs`.
 * - Leases are judged by the `nowMs` callers pass: the workers' clocks must agree to well within
 *   `leaseMs`.
 * - Leases are short and renewed: the holder calls `renew` while it delivers (the runner: every
 *   third of the lease), so a worker that dies loses its claims within one lease, and a live one
 *   keeps them however long its delivery takes. A delivery that outlasts its lease anyway (renewals
 *   failing, an event loop stalled past the lease) may be repeated by another worker, which the
 *   event-id dedupe makes harmless.
 *
 * Renewal: only the holder
 * - `renew(ids, workerId, nowMs, leaseMs)` moves the lease of each of `ids` that is `claimed` by
 *   `workerId` at that moment to `nowMs + leaseMs` (also after it expired, when nobody took it over,
 *   as for a completion), atomically per schedule, and returns those ids: the ones the worker still
 *   holds. Any other id (taken over, cancelled, completed, unknown) is left as it is and not
 *   returned: the worker has lost that claim and should stop renewing it.
 * - Ids are returned once each, in the order of `ids`; a duplicated or unknown id is not an error.
 *
 * Completion: who may deliver
 * - Only the worker named in the claim may complete: `complete`/`completeAll` take effect only if
 *   the schedule is `claimed` by `workerId` at that moment, also after its lease expired when
 *   nobody took it over (that worker did deliver).
 * - Otherwise (taken over, cancelled, done, pending again) it returns false / counts 0 and changes
 *   nothing: a worker that lost its lease cannot overwrite the new owner's claim, due time or
 *   delivery record.
 * - The claim is recognised by worker id alone. Worker ids must be unique, and a worker must not
 *   claim again while one of its own completions is outstanding (the runner completes a batch
 *   before claiming the next). Otherwise a stale completion would be taken for the current claim.
 *
 * Delivery
 * - At least once: a claim ends only by a completion (which moves the schedule on) or by its lease
 *   expiring (which makes it claimable again). A worker that dies just lets its lease run out:
 *   without renewals, within `leaseMs` of its last one.
 * - Exactly once with the event store: the event id derives from (schedule id, due instant), so a
 *   repeat is refused with DUPLICATE_ID, as long as retention still keeps the first event (keep
 *   events longer than the longest delivery plus `leaseMs` and clock skew). SQLite claims in one
 *   UPDATE … RETURNING inside an IMMEDIATE transaction, Redis in one Lua script.
 *
 * Failures: an adapter that cannot reach its storage rejects (Redis: a `StoreError` UNAVAILABLE)
 * and changes nothing it did not say it changed; the runner reports it and tries again later.
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
   * again at that instant (its `occurrenceIndex` then `nextOccurrenceIndex`, when given), with
   * `null` it is done. Returns false (and changes nothing) when the
   * worker no longer holds the claim (cancelled, or lease taken over).
   */
  complete(
    id: string,
    nextDueMs: number | null,
    workerId: string,
    delivery: DeliveryRecord,
    nextOccurrenceIndex?: number,
  ): Promise<boolean>;
  /**
   * `complete` for several schedules in one transaction: what the runner calls once per claimed
   * batch, so that SQLite pays one fsync per batch instead of one per delivery. Returns how many
   * completions took effect.
   */
  completeAll(completions: readonly Completion[], workerId: string): Promise<number>;
  /**
   * Extends to `nowMs + leaseMs` the leases of those of `ids` still `claimed` by `workerId` (lease
   * expired or not, as long as nobody took it over); returns them, in the order of `ids`. The others
   * are untouched: that claim is lost (taken over, cancelled, completed) or never was.
   */
  renew(ids: readonly string[], workerId: string, nowMs: number, leaseMs: number): Promise<string[]>;
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
  /** The `occurrenceIndex` of the occurrence at `nextDueMs` (rules with COUNT); kept as is when absent. */
  nextOccurrenceIndex?: number | undefined;
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
