/**
 * The expansion as it was before it could resume from a stored occurrence: every call walks from the
 * anchor. Kept unchanged as the oracle of test/time/recurrence-resume.property.test.ts.
 */
import {
  addMonths,
  type CivilDate,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  MS_PER_DAY,
  type WallTime,
  wallTimeAsUtcMs,
  weekdayOfDays,
} from '../../../src/time/civil.js';
import type { RecurrenceRule, WeekdayRule } from '../../../src/time/rrule.js';
import { wallTimeAt } from '../../../src/time/temporal.js';
import { type Disambiguation, resolveWallTime } from '../../../src/time/zoned-time.js';

/**
 * Expands a parsed RRULE in wall time: every occurrence keeps the anchor's time of day in the
 * anchor's zone ("09:00 in Europe/Oslo" stays 09:00 on both sides of a DST change), and only then
 * becomes an instant through the schedule's disambiguation policy. Dates that do not exist
 * (BYMONTHDAY=31 in April, Feb 29 in 2027) are skipped, as RFC 5545 §3.3.10 requires. Under
 * `reject`, an occurrence whose wall time is in a DST gap or overlap is skipped (it still counts
 * towards COUNT): there is nobody to answer 400 to at that point.
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
}

/** Wall time ± this always brackets the instant (UTC offsets stay within -12h…+14h, gaps within a day). */
const SLACK_MS = 2 * MS_PER_DAY;
/** Periods walked without a match before giving up (e.g. FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30). */
const MAX_PERIODS = 200_000;

/** The first occurrence strictly after `afterMs`, or `undefined` when the rule has none left. */
export function nextOccurrence(
  rule: RecurrenceRule,
  anchor: RecurrenceAnchor,
  afterMs: number,
): Occurrence | undefined {
  const anchorWallMs = wallTimeAsUtcMs(anchor.wall);
  // Without COUNT nothing needs counting from the start: jump to the period just before afterMs.
  const firstPeriod = rule.count === undefined ? periodBefore(rule, anchor, afterMs) : 0;
  let index = 0; // occurrences seen, for COUNT (only counted from the anchor when COUNT is set)
  for (let period = firstPeriod; period < firstPeriod + MAX_PERIODS; period += 1) {
    if (yearOfPeriod(rule, anchor.wall, period) > 9999) return undefined;
    for (const date of datesOfPeriod(rule, anchor.wall, period)) {
      const wall = { ...anchor.wall, year: date.year, month: date.month, day: date.day };
      const wallMs = wallTimeAsUtcMs(wall);
      if (wallMs < anchorWallMs) continue;
      if (rule.count !== undefined && index >= rule.count) return undefined;
      if (rule.untilDate !== undefined && daysFromCivil(date) > daysFromCivil(rule.untilDate))
        return undefined;
      if (rule.untilMs !== undefined && wallMs - SLACK_MS > rule.untilMs) return undefined;
      if (date.year > 9999) return undefined;
      index += 1;
      if (wallMs + SLACK_MS <= afterMs) continue; // certainly not after afterMs: skip the tz lookup
      const atMs = resolveOrSkip(wall, anchor);
      if (atMs === undefined || atMs <= afterMs) continue;
      if (rule.untilMs !== undefined && atMs > rule.untilMs) return undefined;
      return { atMs, wall };
    }
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

/** The year a period starts in (approximately for DAILY/WEEKLY): bounds rules that never match. */
function yearOfPeriod(rule: RecurrenceRule, anchor: CivilDate, period: number): number {
  const step = period * rule.interval;
  if (rule.freq === 'YEARLY') return anchor.year + step;
  if (rule.freq === 'MONTHLY') return addMonths(anchor.year, anchor.month, step).year;
  return anchor.year + Math.floor((step * (rule.freq === 'WEEKLY' ? 7 : 1)) / 366);
}

/** The index of a period that starts before any occurrence after `afterMs` could (never negative). */
function periodBefore(rule: RecurrenceRule, anchor: RecurrenceAnchor, afterMs: number): number {
  const anchorWallMs = wallTimeAsUtcMs(anchor.wall);
  if (afterMs - SLACK_MS <= anchorWallMs) return 0;
  const after = wallTimeAt(afterMs - SLACK_MS, anchor.zone);
  const a = anchor.wall;
  let periods: number;
  if (rule.freq === 'DAILY') periods = daysFromCivil(after) - daysFromCivil(a);
  else if (rule.freq === 'WEEKLY') periods = Math.floor((daysFromCivil(after) - weekStartDays(a, rule)) / 7);
  else if (rule.freq === 'MONTHLY') periods = after.year * 12 + after.month - (a.year * 12 + a.month) - 1;
  else periods = after.year - a.year - 1;
  return Math.max(0, Math.floor(periods / rule.interval));
}

function weekStartDays(date: CivilDate, rule: RecurrenceRule): number {
  const days = daysFromCivil(date);
  return days - ((weekdayOfDays(days) - rule.weekStart + 7) % 7);
}

/** The candidate dates of the `period`-th period (counting INTERVAL steps from the anchor's), ascending. */
function datesOfPeriod(rule: RecurrenceRule, anchor: CivilDate, period: number): CivilDate[] {
  const step = period * rule.interval;
  switch (rule.freq) {
    case 'DAILY': {
      const date = civilFromDays(daysFromCivil(anchor) + step);
      return matchesLimits(rule, date) ? [date] : [];
    }
    case 'WEEKLY': {
      const start = weekStartDays(anchor, rule) + 7 * step;
      const weekdays = rule.byDay?.map((d) => d.weekday) ?? [weekdayOfDays(daysFromCivil(anchor))];
      const days = weekdays.map((w) => start + ((w - rule.weekStart + 7) % 7)).sort((x, y) => x - y);
      return days.map(civilFromDays).filter((date) => matchesMonth(rule, date));
    }
    case 'MONTHLY': {
      const { year, month } = addMonths(anchor.year, anchor.month, step);
      if (rule.byMonth !== undefined && !rule.byMonth.includes(month)) return [];
      return datesInMonth(rule, year, month, anchor.day);
    }
    case 'YEARLY':
      return datesInYear(rule, anchor.year + step, anchor);
  }
}

function matchesMonth(rule: RecurrenceRule, date: CivilDate): boolean {
  return rule.byMonth === undefined || rule.byMonth.includes(date.month);
}

/** DAILY: every BY* part limits (RFC 5545 §3.3.10, the table of expand/limit). */
function matchesLimits(rule: RecurrenceRule, date: CivilDate): boolean {
  if (!matchesMonth(rule, date)) return false;
  const length = daysInMonth(date.year, date.month);
  if (rule.byMonthDay !== undefined && !rule.byMonthDay.some((d) => monthDay(d, length) === date.day))
    return false;
  const weekday = weekdayOfDays(daysFromCivil(date));
  return rule.byDay === undefined || rule.byDay.some((d) => d.weekday === weekday);
}

/** A BYMONTHDAY value as a day of a month of `length` days (negative counts from the end), or 0 if none. */
function monthDay(value: number, length: number): number {
  const day = value > 0 ? value : length + 1 + value;
  return day >= 1 && day <= length ? day : 0;
}

/** MONTHLY (and YEARLY per month): BYMONTHDAY expands, BYDAY expands or, beside BYMONTHDAY, limits. */
function datesInMonth(rule: RecurrenceRule, year: number, month: number, anchorDay: number): CivilDate[] {
  const length = daysInMonth(year, month);
  const firstDays = daysFromCivil({ year, month, day: 1 });
  let days: number[];
  if (rule.byMonthDay !== undefined) {
    days = rule.byMonthDay.map((d) => monthDay(d, length)).filter((d) => d > 0);
    if (rule.byDay !== undefined) {
      const allowed = new Set(weekdayMatches(rule.byDay, firstDays, length));
      days = days.filter((d) => allowed.has(d));
    }
  } else if (rule.byDay !== undefined) {
    days = weekdayMatches(rule.byDay, firstDays, length);
  } else {
    days = anchorDay <= length ? [anchorDay] : [];
  }
  return [...new Set(days)].sort((x, y) => x - y).map((day) => ({ year, month, day }));
}

/** Positions (1-based) within a span of `length` days starting at `firstDays` matching BYDAY entries. */
function weekdayMatches(byDay: WeekdayRule[], firstDays: number, length: number): number[] {
  const result: number[] = [];
  for (const { weekday, ordinal } of byDay) {
    const first = 1 + ((weekday - weekdayOfDays(firstDays) + 7) % 7);
    const all: number[] = [];
    for (let d = first; d <= length; d += 7) all.push(d);
    if (ordinal === undefined) result.push(...all);
    else {
      const pick = ordinal > 0 ? all[ordinal - 1] : all[all.length + ordinal];
      if (pick !== undefined) result.push(pick);
    }
  }
  return result;
}

function datesInYear(rule: RecurrenceRule, year: number, anchor: CivilDate): CivilDate[] {
  if (rule.byDay !== undefined && rule.byMonth === undefined && rule.byMonthDay === undefined) {
    // BYDAY alone in a YEARLY rule spans the whole year (`20MO` = the 20th Monday of the year).
    const firstDays = daysFromCivil({ year, month: 1, day: 1 });
    const length = daysFromCivil({ year: year + 1, month: 1, day: 1 }) - firstDays;
    const days = [...new Set(weekdayMatches(rule.byDay, firstDays, length))].sort((x, y) => x - y);
    return days.map((d) => civilFromDays(firstDays + d - 1));
  }
  const expandsAllMonths = rule.byMonthDay !== undefined || rule.byDay !== undefined;
  const months =
    rule.byMonth ?? (expandsAllMonths ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] : [anchor.month]);
  return [...months].sort((x, y) => x - y).flatMap((month) => datesInMonth(rule, year, month, anchor.day));
}
