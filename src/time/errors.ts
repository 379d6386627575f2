/**
 * Stable error codes of the time module. The HTTP layer maps every `TimeError` to 400 and names
 * `field` (the publish form field at fault), so callers branch on `code`, never on message text.
 */
export type TimeErrorCode =
  /** A number (or other non-string) where an RFC 3339 string is expected: seconds and milliseconds would be confusable. */
  | 'TIME_NOT_A_STRING'
  /** Not an RFC 3339 date-time with `Z` or a numeric offset, or a field out of range (month 13, Feb 30…). */
  | 'TIME_INVALID_INSTANT'
  /** Not a local date-time `YYYY-MM-DDTHH:MM[:SS[.fff]][±HH:MM]`. */
  | 'TIME_INVALID_LOCAL'
  /** A wall time without a zone (no offset in `deliver_at`, or `deliver_local` without `deliver_tz`). */
  | 'TIME_ZONE_REQUIRED'
  /** The zone is not an IANA time zone name this runtime knows. */
  | 'TIME_UNKNOWN_ZONE'
  /** The offset written in the time is not one the zone has at that wall time / instant. */
  | 'TIME_OFFSET_MISMATCH'
  /** Under `reject`: the wall time falls in a DST gap (it never happens on the clock). */
  | 'TIME_NONEXISTENT_LOCAL'
  /** Under `reject`: the wall time falls in a DST overlap (it happens twice). */
  | 'TIME_AMBIGUOUS_LOCAL'
  /** `deliver_disambiguation` is not one of compatible, earlier, later, reject. */
  | 'TIME_INVALID_DISAMBIGUATION'
  /** The delivery time is further away than the horizon (default 10 years). */
  | 'TIME_BEYOND_HORIZON'
  /** Fields that exclude each other were both given (`deliver_at` and `deliver_local`). */
  | 'TIME_CONFLICTING_FIELDS'
  /** `deliver_tz`, `deliver_rrule` or `deliver_disambiguation` without `deliver_at` or `deliver_local`. */
  | 'TIME_MISSING_TIME'
  /** A single-valued form field was repeated. */
  | 'TIME_REPEATED_FIELD'
  /** The RRULE text is not `NAME=VALUE;…`, or a part is repeated. */
  | 'RRULE_SYNTAX'
  /** The RRULE has no FREQ. */
  | 'RRULE_MISSING_FREQ'
  /** A FREQ or rule part outside the supported subset (SECONDLY…HOURLY, BYHOUR, BYSETPOS…). */
  | 'RRULE_UNSUPPORTED'
  /** A rule part's value is malformed or out of range (INTERVAL=0, BYMONTHDAY=32, BYDAY=XX…). */
  | 'RRULE_INVALID_VALUE'
  /** COUNT and UNTIL together (RFC 5545 §3.3.10: MUST NOT occur in the same rule). */
  | 'RRULE_COUNT_WITH_UNTIL'
  /** The rule yields no occurrence at or after its anchor (COUNT used up, UNTIL passed, no matching date). */
  | 'RRULE_NO_OCCURRENCE';

export class TimeError extends Error {
  override readonly name = 'TimeError';
  readonly code: TimeErrorCode;
  /** The publish form field at fault (`deliver_at`, `deliver_local`, `deliver_tz`…), when there is one. */
  readonly field: string | undefined;
  /**
   * For `TIME_NONEXISTENT_LOCAL` / `TIME_AMBIGUOUS_LOCAL`: the two instants the wall time could mean
   * (for a gap, the ones the `earlier` and `later` policies would pick), so a client can choose.
   */
  readonly candidatesMs: readonly [earlierMs: number, laterMs: number] | undefined;

  constructor(
    code: TimeErrorCode,
    message: string,
    field?: string,
    candidatesMs?: readonly [earlierMs: number, laterMs: number],
  ) {
    super(message);
    this.code = code;
    this.field = field;
    this.candidatesMs = candidatesMs;
  }
}
