import { formatWallTime, type WallTime } from './civil.js';
import { lexDateTime } from './date-time-text.js';
import { TimeError } from './errors.js';
import { parseInstant } from './instant.js';
import { type RecurrenceAnchor, searchOccurrence } from './recurrence.js';
import { formatRrule, parseRrule } from './rrule.js';
import { offsetMinutesAt, wallTimeAt } from './temporal.js';
import {
  type Disambiguation,
  parseDisambiguation,
  parseZone,
  resolveWallTime,
  resolveWallTimeWithOffset,
} from './zoned-time.js';

/**
 * When a publish should be delivered: the Herald extension to the Mercure publish form.
 *
 * | form field               | value                                                                |
 * |--------------------------|----------------------------------------------------------------------|
 * | `deliver_at`             | RFC 3339 instant with `Z` or offset: `2026-11-25T14:34:45.123Z`      |
 * | `deliver_local`          | wall time `2026-03-29T09:00[:SS[.fff]]`, optionally with `±HH:MM`    |
 * | `deliver_tz`             | IANA zone (`Europe/Oslo`); required with `deliver_local`             |
 * | `deliver_disambiguation` | `compatible` (default), `earlier`, `later`, `reject` (DST gap/overlap) |
 * | `deliver_rrule`          | RFC 5545 RRULE subset (`FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR`)           |
 *
 * `deliver_at` and `deliver_local` exclude each other. An offset in `deliver_local` (or in
 * `deliver_at` beside `deliver_tz`) must be one the zone has then, and picks the reading in an
 * overlap. A recurrence is anchored to `deliver_local` in `deliver_tz` (or to `deliver_at` seen in
 * `deliver_tz`, default UTC) and keeps that wall time across DST changes.
 */
export interface DeliveryTimeInput {
  /** `deliver_at` */
  at?: unknown;
  /** `deliver_local` */
  local?: unknown;
  /** `deliver_tz` */
  zone?: unknown;
  /** `deliver_disambiguation` */
  disambiguation?: unknown;
  /** `deliver_rrule` */
  rrule?: unknown;
}

export const DELIVERY_FIELDS = {
  at: 'deliver_at',
  local: 'deliver_local',
  zone: 'deliver_tz',
  disambiguation: 'deliver_disambiguation',
  rrule: 'deliver_rrule',
} as const satisfies Record<keyof DeliveryTimeInput, string>;

/** 10 years of 365.25 days: far enough for any reminder, near enough to catch a seconds/ms mix-up. */
export const DEFAULT_HORIZON_MS = 3_652.5 * 86_400_000;

export interface ResolveDeliveryOptions {
  nowMs: number;
  horizonMs?: number | undefined;
}

export interface DeliveryTime {
  /** When to deliver: the requested instant, or `nowMs` when that has passed. */
  dueAtMs: number;
  /** The instant asked for (for a recurrence: its first occurrence at or after now). */
  requestedAtMs: number;
  /** The requested instant was already past: the event is due now (tell the publisher). */
  isPast: boolean;
  disambiguation: Disambiguation;
  /** Canonical IANA zone, when one was given (always set for a recurrence; `UTC` by default). */
  zone?: string | undefined;
  /** The anchor's wall time in `zone`, `2026-03-29T09:00:00`, when there is a zone. */
  local?: string | undefined;
  /** Canonical RRULE text, for a recurring delivery. */
  rrule?: string | undefined;
  /**
   * For a rule with COUNT: the position of the first delivery in the rule's sequence (0 = the
   * anchor's occurrence), so the schedule resumes from it instead of counting from the anchor.
   */
  occurrenceIndex?: number | undefined;
}

/**
 * Resolves the delivery fields of a publish; `undefined` when none is set (publish now).
 * Throws `TimeError` (with `code` and `field`) for anything the HTTP layer should answer 400 to.
 */
export function resolveDeliveryTime(
  input: DeliveryTimeInput,
  { nowMs, horizonMs = DEFAULT_HORIZON_MS }: ResolveDeliveryOptions,
): DeliveryTime | undefined {
  const hasTime = input.at !== undefined || input.local !== undefined;
  if (!hasTime) {
    const stray = (['zone', 'rrule', 'disambiguation'] as const).find((k) => input[k] !== undefined);
    if (stray === undefined) return undefined;
    const field = DELIVERY_FIELDS[stray];
    throw new TimeError('TIME_MISSING_TIME', `${field} needs deliver_at or deliver_local`, field);
  }
  if (input.at !== undefined && input.local !== undefined) {
    throw new TimeError(
      'TIME_CONFLICTING_FIELDS',
      'give deliver_at or deliver_local, not both',
      'deliver_local',
    );
  }
  const disambiguation = parseDisambiguation(input.disambiguation);
  const anchor =
    input.at !== undefined ? anchorOfInstant(input, disambiguation) : anchorOfLocal(input, disambiguation);
  const timeField = input.at !== undefined ? DELIVERY_FIELDS.at : DELIVERY_FIELDS.local;
  let requestedAtMs = anchor.atMs;
  let rrule: string | undefined;
  let occurrenceIndex: number | undefined;
  if (input.rrule !== undefined) {
    const rule = parseRrule(input.rrule);
    rrule = formatRrule(rule);
    // The search stops at the horizon: no rule is searched for further than it may be scheduled.
    const first = searchOccurrence(rule, anchor.recurrence, nowMs - 1, { notAfterMs: nowMs + horizonMs });
    if (first === 'none') {
      throw new TimeError(
        'RRULE_NO_OCCURRENCE',
        'deliver_rrule has no occurrence from now on',
        'deliver_rrule',
      );
    }
    if (first === 'beyond-limit' && anchor.atMs <= nowMs + horizonMs) {
      throw new TimeError(
        'TIME_BEYOND_HORIZON',
        `deliver_rrule has no occurrence in the next ${Math.round(horizonMs / 86_400_000)} days`,
        'deliver_rrule',
      );
    }
    requestedAtMs = first === 'beyond-limit' ? anchor.atMs : first.atMs;
    occurrenceIndex = first === 'beyond-limit' ? undefined : first.index;
  }
  if (requestedAtMs > nowMs + horizonMs) {
    throw new TimeError(
      'TIME_BEYOND_HORIZON',
      `${timeField} is more than ${Math.round(horizonMs / 86_400_000)} days away`,
      timeField,
    );
  }
  // A zone is reported when the publisher gave one, or when a recurrence needs one (UTC by default).
  const zone = anchor.zone ?? (rrule === undefined ? undefined : anchor.recurrence.zone);
  return {
    dueAtMs: Math.max(requestedAtMs, nowMs),
    requestedAtMs,
    isPast: requestedAtMs < nowMs,
    disambiguation,
    zone,
    local: zone === undefined ? undefined : formatWallTime(anchor.recurrence.wall),
    rrule,
    occurrenceIndex,
  };
}

interface Anchor {
  atMs: number;
  /** The zone the publisher gave, if any. */
  zone: string | undefined;
  recurrence: RecurrenceAnchor;
}

function anchorOfInstant(input: DeliveryTimeInput, disambiguation: Disambiguation): Anchor {
  const atMs = parseInstant(input.at, DELIVERY_FIELDS.at);
  if (input.zone === undefined) {
    return {
      atMs,
      zone: undefined,
      recurrence: { wall: wallTimeAt(atMs, 'UTC'), zone: 'UTC', disambiguation },
    };
  }
  const zone = parseZone(input.zone);
  const lexed = lexDateTime(input.at as string);
  if (typeof lexed?.offset === 'number' && offsetMinutesAt(atMs, zone) !== lexed.offset) {
    throw new TimeError(
      'TIME_OFFSET_MISMATCH',
      `deliver_at's offset contradicts ${zone} at that instant`,
      'deliver_at',
    );
  }
  return { atMs, zone, recurrence: { wall: wallTimeAt(atMs, zone), zone, disambiguation } };
}

function anchorOfLocal(input: DeliveryTimeInput, disambiguation: Disambiguation): Anchor {
  const field = DELIVERY_FIELDS.local;
  if (typeof input.local !== 'string') {
    throw new TimeError('TIME_NOT_A_STRING', `${field} must be a date-time string`, field);
  }
  const lexed = lexDateTime(input.local);
  if (lexed === undefined || lexed.offset === 'Z') {
    throw new TimeError(
      'TIME_INVALID_LOCAL',
      `${field} must be YYYY-MM-DDTHH:MM[:SS[.fff]][±HH:MM] (for a UTC instant use deliver_at)`,
      field,
    );
  }
  if (input.zone === undefined) {
    throw new TimeError(
      'TIME_ZONE_REQUIRED',
      `${field} needs deliver_tz (an IANA zone such as Europe/Oslo)`,
      'deliver_tz',
    );
  }
  const zone = parseZone(input.zone);
  const wall: WallTime = lexed.wall;
  const atMs =
    lexed.offset === undefined
      ? resolveWallTime(wall, zone, disambiguation, field)
      : resolveWallTimeWithOffset(wall, lexed.offset, zone, field);
  return { atMs, zone, recurrence: { wall, zone, disambiguation } };
}
