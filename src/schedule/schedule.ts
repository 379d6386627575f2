import type { NewEvent } from '../hub/index.js';
import {
  type DeliveryTime,
  type Disambiguation,
  formatInstant,
  lexDateTime,
  nextOccurrence,
  parseRrule,
} from '../time/index.js';

/** What a schedule publishes at each occurrence; its id is derived per occurrence (`occurrenceEventId`). */
export type ScheduledEvent = Omit<NewEvent, 'id' | 'topics'>;

/**
 * `pending`: waiting for `dueAtMs`. `claimed`: a runner is delivering it (until `leaseUntilMs`;
 * after that any runner may claim it again). `done`: delivered, no occurrence left.
 * `cancelled`: cancelled before it was done.
 */
export type ScheduleState = 'pending' | 'claimed' | 'done' | 'cancelled';

export interface NewSchedule {
  id: string;
  topics: string[];
  /** Who created it (e.g. the publisher JWT's `sub`), for listing and cancelling one's own. */
  ownerId?: string | undefined;
  event: ScheduledEvent;
  /** The next (or only) occurrence, integer ms UTC. */
  dueAtMs: number;
  zone?: string | undefined;
  /** Anchor wall time in `zone` (`2026-03-29T09:00:00`); required with `rrule`. */
  local?: string | undefined;
  disambiguation: Disambiguation;
  /** Canonical RRULE text for a recurring schedule. */
  rrule?: string | undefined;
  /**
   * For a rule with COUNT: the position of the occurrence due at `dueAtMs` in the rule's sequence
   * (0 = the anchor's), so the next one is found from there instead of counting from the anchor.
   * Not `deliveredCount`: occurrences before the schedule was created, skipped after a downtime
   * or skipped in a DST gap under `reject` count here and were never delivered.
   */
  occurrenceIndex?: number | undefined;
  createdAtMs: number;
}

export interface Schedule extends NewSchedule {
  state: ScheduleState;
  claimedBy?: string | undefined;
  leaseUntilMs?: number | undefined;
  deliveredCount: number;
  lastDeliveredAtMs?: number | undefined;
  /** How late the last delivery was (delivered minus due), when there was one. */
  lastLateByMs?: number | undefined;
}

/** Builds a `NewSchedule` from a resolved publish (the hub supplies the id, e.g. `uuidv7(nowMs)`). */
export function newSchedule(
  delivery: DeliveryTime,
  fields: {
    id: string;
    topics: string[];
    ownerId?: string | undefined;
    event: ScheduledEvent;
    createdAtMs: number;
  },
): NewSchedule {
  return {
    ...fields,
    dueAtMs: delivery.dueAtMs,
    zone: delivery.zone,
    local: delivery.local,
    disambiguation: delivery.disambiguation,
    rrule: delivery.rrule,
    ...(delivery.occurrenceIndex === undefined ? {} : { occurrenceIndex: delivery.occurrenceIndex }),
  };
}

/** A recurring schedule's next occurrence: its due instant, and its index when the rule counts. */
export interface NextDue {
  dueAtMs: number;
  occurrenceIndex: number | undefined;
}

/**
 * The first occurrence after `afterMs`, found from the one due at `dueAtMs` (and its
 * `occurrenceIndex`), or `null` when the schedule is finished. Throws `TimeError` for a stored rule
 * that no longer parses, or whose search gives up.
 */
export function nextDueAfter(schedule: NewSchedule, afterMs: number): NextDue | null {
  if (schedule.rrule === undefined || schedule.local === undefined || schedule.zone === undefined)
    return null;
  const wall = lexDateTime(schedule.local)?.wall;
  if (wall === undefined) return null;
  const anchor = { wall, zone: schedule.zone, disambiguation: schedule.disambiguation };
  const from =
    schedule.occurrenceIndex === undefined
      ? undefined
      : { index: schedule.occurrenceIndex, atMs: schedule.dueAtMs };
  const next = nextOccurrence(parseRrule(schedule.rrule), anchor, afterMs, { from });
  return next === undefined ? null : { dueAtMs: next.atMs, occurrenceIndex: next.index };
}

/** The list API's view of a schedule. Numbers carry their unit in the name; instants are RFC 3339. */
export interface ScheduleJson {
  id: string;
  topics: string[];
  dueAt: string;
  dueAtMs: number;
  zone?: string;
  local?: string;
  rrule?: string;
  disambiguation: Disambiguation;
  state: ScheduleState;
  /** Pending past its due time by more than the tolerance, or (when done) last delivered late. */
  late: boolean;
  lateByMs: number;
  deliveredCount: number;
  lastDeliveredAt?: string;
  createdAt: string;
}

/** Deliveries within this of their due time are on time (timer jitter, a busy event loop). */
export const DEFAULT_LATE_TOLERANCE_MS = 1_000;

export function scheduleToJson(
  schedule: Schedule,
  nowMs: number,
  lateToleranceMs = DEFAULT_LATE_TOLERANCE_MS,
): ScheduleJson {
  const isWaiting = schedule.state === 'pending' || schedule.state === 'claimed';
  const lateByMs = isWaiting ? Math.max(0, nowMs - schedule.dueAtMs) : (schedule.lastLateByMs ?? 0);
  const late = lateByMs > lateToleranceMs;
  return {
    id: schedule.id,
    topics: schedule.topics,
    dueAt: formatInstant(schedule.dueAtMs),
    dueAtMs: schedule.dueAtMs,
    ...(schedule.zone === undefined ? {} : { zone: schedule.zone }),
    ...(schedule.local === undefined ? {} : { local: schedule.local }),
    ...(schedule.rrule === undefined ? {} : { rrule: schedule.rrule }),
    disambiguation: schedule.disambiguation,
    state: schedule.state,
    late,
    lateByMs: late ? lateByMs : 0,
    deliveredCount: schedule.deliveredCount,
    ...(schedule.lastDeliveredAtMs === undefined
      ? {}
      : { lastDeliveredAt: formatInstant(schedule.lastDeliveredAtMs) }),
    createdAt: formatInstant(schedule.createdAtMs),
  };
}
