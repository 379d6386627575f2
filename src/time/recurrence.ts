import {
  type CivilDate,
  civilFromDays,
  daysFromCivil,
  MS_PER_DAY,
  type WallTime,
  wallTimeAsUtcMs,
  weekdayOfDays,
} from './civil.js';
import { TimeError } from './errors.js';
import {
  cyclePeriods,
  datesOfPeriod,
  nextDailyCandidate,
  periodOfDate,
  periodStartDays,
  uniformBlock,
} from './period-dates.js';
import type { RecurrenceRule } from './rrule.js';
import { wallTimeAt } from './temporal.js';
import { type Disambiguation, resolveWallTime } from './zoned-time.js';

/**
 * Expands a parsed RRULE in wall time: every occurrence keeps the anchor's time of day in the
 * anchor's zone ("09:00 in Europe/Oslo" stays 09:00 on both sides of a DST change), and only then
 * becomes an instant through the schedule's disambiguation policy. Dates that do not exist
 * (BYMONTHDAY=31 in April, Feb 29 in 2027) are skipped, as RFC 5545 §3.3.10 requires. Under
 * `reject`, an occurrence whose wall time is in a DST gap or overlap is skipped (it still counts
 * towards COUNT): there is nobody to answer 400 to at that point.
 *
 * Cost: a search starts near `afterMs`, never at the anchor. Without COUNT it jumps to the period
 * before `afterMs`; with COUNT it resumes from a known occurrence (`from`: its index and due
 * instant, which a schedule keeps), or counts whole runs of periods at once when the rule allows
 * (`uniformBlock`). Then it walks at most `MAX_SEARCH_STEPS` periods, and stops early once the
 * rule's dates have been empty for a whole 400-year cycle (`cyclePeriods`): no rule costs more
 * than a few milliseconds, whatever its dates.
 */

/** A recurring schedule's DTSTART: the first wall time, its zone and its DST policy. */
export interface RecurrenceAnchor {
  wall: WallTime;
  zone: string;
  disambiguation: Disambiguation;
}

export interface Occurrence {
  atMs: number;
  /** The occurrence's wall time in the anchor's zone. */
  wall: WallTime;
  /**
   * Its position in the rule's sequence from the anchor (0 for the first), as COUNT counts:
   * skipped occurrences (a `reject` in a DST gap) included. Only rules with COUNT are counted.
   */
  index: number | undefined;
}

/** A known occurrence to resume from: its `index` and its due instant. */
export interface OccurrenceCursor {
  index: number;
  atMs: number;
}

export interface OccurrenceSearchOptions {
  /** Resume from this occurrence instead of counting from the anchor (rules with COUNT). */
  from?: OccurrenceCursor | undefined;
  /** Give up (answer `beyond-limit`) past this instant: a validation needs no occurrence past its horizon. */
  notAfterMs?: number | undefined;
}

/** Wall time ± this always brackets the instant (UTC offsets stay within -12h…+14h, gaps within a day). */
const SLACK_MS = 2 * MS_PER_DAY;
/**
 * Work one search may do, in periods (or DAILY jumps) plus the dates they hold: under 4 ms of loop
 * at worst on a 2-core machine under load (`npm run bench:recurrence`). The next occurrence of a
 * rule is within a few hundred steps (a sparse DAILY rule jumps month by month), and a rule without
 * one ends at its 400-year cycle or at year 9999 first. What can exceed it is counting COUNT over
 * decades of dates without the index a schedule keeps: a rule anchored that far in the past.
 */
export const MAX_SEARCH_STEPS = 4_000;
/** The last year an occurrence may fall in (RFC 3339 years have four digits). */
const LAST_YEAR = 9999;

/** The first occurrence strictly after `afterMs`, or `undefined` when the rule has none left. */
export function nextOccurrence(
  rule: RecurrenceRule,
  anchor: RecurrenceAnchor,
  afterMs: number,
  options: OccurrenceSearchOptions = {},
): Occurrence | undefined {
  const found = searchOccurrence(rule, anchor, afterMs, options);
  return typeof found === 'string' ? undefined : found;
}

/**
 * `nextOccurrence` telling why there is none: `none` (the rule has ended or never matches) or
 * `beyond-limit` (none up to `notAfterMs`). Throws `RRULE_NO_OCCURRENCE` when the search gives up
 * after `MAX_SEARCH_STEPS` (a rule so sparse is refused rather than searched for longer).
 */
export function searchOccurrence(
  rule: RecurrenceRule,
  anchor: RecurrenceAnchor,
  afterMs: number,
  { from, notAfterMs = Number.POSITIVE_INFINITY }: OccurrenceSearchOptions = {},
): Occurrence | 'none' | 'beyond-limit' {
  const a = anchor.wall;
  const anchorDays = daysFromCivil(a);
  const timeOfDayMs = wallTimeAsUtcMs(a) - anchorDays * MS_PER_DAY;
  if (!canMatchAnchor(rule, a)) return 'none';
  const start = startOfSearch(rule, anchor, afterMs, from, anchorDays);
  if (start === 'none') return 'none';
  let { period, index, minDays } = start;
  const cycle = cyclePeriods(rule);
  let lastFullPeriod = period - 1;
  for (let steps = 0; ; steps += 1) {
    if (steps > MAX_SEARCH_STEPS) throw tooCostly(rule, anchor, afterMs, period);
    if (rule.freq === 'DAILY' && (rule.byMonth !== undefined || rule.byMonthDay !== undefined)) {
      const candidate = nextDailyCandidate(rule, a, period);
      if (candidate === undefined) return 'none';
      period = candidate;
    }
    if (period - lastFullPeriod > cycle) return 'none'; // a whole cycle without a date: none ever
    const startDays = periodStartDays(rule, a, period);
    if (startDays * MS_PER_DAY - SLACK_MS > notAfterMs) return 'beyond-limit';
    if (startDays > LAST_DAYS) return 'none';
    const dates = datesOfPeriod(rule, a, period);
    steps += dates.length; // a period of many dates (YEARLY;BYDAY=MO) costs as much as many periods
    if (dates.length > 0) lastFullPeriod = period;
    for (const date of dates) {
      const days = daysFromCivil(date);
      if (days < minDays) continue;
      const wallMs = days * MS_PER_DAY + timeOfDayMs;
      if (rule.count !== undefined && index >= rule.count) return 'none';
      if (rule.untilDate !== undefined && days > daysFromCivil(rule.untilDate)) return 'none';
      if (rule.untilMs !== undefined && wallMs - SLACK_MS > rule.untilMs) return 'none';
      if (date.year > LAST_YEAR) return 'none';
      if (wallMs - SLACK_MS > notAfterMs) return 'beyond-limit';
      index += 1;
      if (wallMs + SLACK_MS <= afterMs) continue; // certainly not after afterMs: skip the tz lookup
      const wall = { ...a, year: date.year, month: date.month, day: date.day };
      const atMs = resolveOrSkip(wall, anchor);
      if (atMs === undefined || atMs <= afterMs) continue;
      if (rule.untilMs !== undefined && atMs > rule.untilMs) return 'none';
      if (atMs > notAfterMs) return 'beyond-limit';
      return { atMs, wall, index: rule.count === undefined ? undefined : index - 1 };
    }
    period += 1;
  }
}

const LAST_DAYS = daysFromCivil({ year: LAST_YEAR, month: 12, day: 31 });

/** The search gave up: say whether counting COUNT from the anchor or the rule's sparseness is why. */
function tooCostly(
  rule: RecurrenceRule,
  anchor: RecurrenceAnchor,
  afterMs: number,
  period: number,
): TimeError {
  const isCounting = periodStartDays(rule, anchor.wall, period) * MS_PER_DAY + SLACK_MS <= afterMs;
  const why = isCounting
    ? 'its COUNT would be counted over too many dates from deliver_local: anchor the rule nearer to now'
    : 'no occurrence within the search limit';
  return new TimeError(
    'RRULE_NO_OCCURRENCE',
    `deliver_rrule: ${why} (${MAX_SEARCH_STEPS} steps)`,
    'deliver_rrule',
  );
}

/** DAILY with INTERVAL a multiple of 7 stays on the anchor's weekday: BYDAY must include it. */
function canMatchAnchor(rule: RecurrenceRule, a: CivilDate): boolean {
  if (rule.freq !== 'DAILY' || rule.byDay === undefined || rule.interval % 7 !== 0) return true;
  const weekday = weekdayOfDays(daysFromCivil(a));
  return rule.byDay.some((d) => d.weekday === weekday);
}

interface SearchStart {
  period: number;
  /** The COUNT index of the first date at or after `minDays` in `period`. */
  index: number;
  /** Dates before this day (days since the epoch) are neither occurrences nor counted. */
  minDays: number;
}

/** Where the walk starts: near `afterMs`, with the COUNT index there. */
function startOfSearch(
  rule: RecurrenceRule,
  anchor: RecurrenceAnchor,
  afterMs: number,
  from: OccurrenceCursor | undefined,
  anchorDays: number,
): SearchStart | 'none' {
  const a = anchor.wall;
  if (rule.count === undefined) {
    return { period: periodBefore(rule, anchor, afterMs), index: 0, minDays: anchorDays };
  }
  const resumed = from === undefined ? undefined : dateOfOccurrence(rule, anchor, from);
  let start: SearchStart =
    resumed === undefined || from === undefined
      ? { period: 0, index: 0, minDays: anchorDays }
      : { period: periodOfDate(rule, a, resumed), index: from.index, minDays: daysFromCivil(resumed) };
  const block = uniformBlock(rule, a);
  const target = periodBefore(rule, anchor, afterMs);
  if (block === undefined || target <= start.period + 1) return start;
  // Count the rest of the first period, then whole blocks of periods up to `target`, unwalked.
  let index = start.index;
  for (const date of datesOfPeriod(rule, a, start.period)) {
    if (daysFromCivil(date) >= start.minDays) index += 1;
  }
  const blocks = Math.floor((target - start.period - 1) / block.periods);
  index += blocks * block.dates;
  start = { period: start.period + 1 + blocks * block.periods, index, minDays: anchorDays };
  return index >= rule.count ? 'none' : start;
}

/**
 * The date of the occurrence due at `from.atMs`, checked: one of the rule's dates whose wall time
 * resolves to that instant, the earliest when two do (a gap a day long). `undefined` when none
 * does (the rule or anchor changed): the caller then counts from the anchor.
 */
function dateOfOccurrence(
  rule: RecurrenceRule,
  anchor: RecurrenceAnchor,
  from: OccurrenceCursor,
): CivilDate | undefined {
  if (!Number.isSafeInteger(from.index) || from.index < 0) return undefined;
  const seen = wallTimeAt(from.atMs, anchor.zone);
  const seenDays = daysFromCivil(seen);
  const anchorDays = daysFromCivil(anchor.wall);
  for (let days = seenDays - 2; days <= seenDays + 2; days += 1) {
    if (days < anchorDays) continue;
    const period = periodOfDate(rule, anchor.wall, civilFromDays(days));
    const date = datesOfPeriod(rule, anchor.wall, period).find((d) => daysFromCivil(d) === days);
    if (date === undefined) continue;
    const wall = { ...anchor.wall, year: date.year, month: date.month, day: date.day };
    if (resolveOrSkip(wall, anchor) === from.atMs) return date;
  }
  return undefined;
}

function resolveOrSkip(wall: WallTime, anchor: RecurrenceAnchor): number | undefined {
  try {
    return resolveWallTime(wall, anchor.zone, anchor.disambiguation);
  } catch {
    return undefined; // only `reject` throws: skip the occurrence
  }
}

/** The index of a period that starts before any occurrence after `afterMs` could (never negative). */
function periodBefore(rule: RecurrenceRule, anchor: RecurrenceAnchor, afterMs: number): number {
  const anchorWallMs = wallTimeAsUtcMs(anchor.wall);
  if (afterMs - SLACK_MS <= anchorWallMs) return 0;
  const after = wallTimeAt(afterMs - SLACK_MS, anchor.zone);
  const period = periodOfDate(rule, anchor.wall, after);
  // MONTHLY and YEARLY: one more period back, as the period of `after` may start after it.
  return Math.max(0, rule.freq === 'MONTHLY' || rule.freq === 'YEARLY' ? period - 1 : period);
}
