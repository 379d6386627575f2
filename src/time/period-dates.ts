import {
  addMonths,
  type CivilDate,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  weekdayOfDays,
} from './civil.js';
import type { RecurrenceRule, WeekdayRule } from './rrule.js';

/**
 * The calendar side of a recurrence: which dates each period of a rule holds. Period `p` is the
 * `p`-th INTERVAL step from the anchor's period (its day, week from WKST, month or year). Plain
 * integer arithmetic, no tz data: `recurrence.ts` turns dates into instants.
 *
 * The Gregorian calendar repeats every 400 years, which are exactly 146,097 days, 20,871 weeks and
 * 4,800 months: so the dates of period `p + cyclePeriods(rule)` are those of period `p` shifted by a
 * whole number of 400-year cycles, and a rule whose dates are empty for that many periods in a row
 * has none ever.
 */

const CYCLE_UNITS = { DAILY: 146_097, WEEKLY: 20_871, MONTHLY: 4_800, YEARLY: 400 } as const;

/** Periods after which the rule's dates repeat (one or more 400-year cycles). */
export function cyclePeriods(rule: RecurrenceRule): number {
  const units = CYCLE_UNITS[rule.freq];
  return units / gcd(units, rule.interval);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function weekStartDays(date: CivilDate, weekStart: number): number {
  const days = daysFromCivil(date);
  return days - ((weekdayOfDays(days) - weekStart + 7) % 7);
}

/** The period holding `date` (floored: a date between two periods of an INTERVAL > 1 maps to the earlier). */
export function periodOfDate(rule: RecurrenceRule, anchor: CivilDate, date: CivilDate): number {
  let units: number;
  if (rule.freq === 'DAILY') units = daysFromCivil(date) - daysFromCivil(anchor);
  else if (rule.freq === 'WEEKLY')
    units = Math.floor((daysFromCivil(date) - weekStartDays(anchor, rule.weekStart)) / 7);
  else if (rule.freq === 'MONTHLY') units = date.year * 12 + date.month - (anchor.year * 12 + anchor.month);
  else units = date.year - anchor.year;
  return Math.floor(units / rule.interval);
}

/** The first day (days since the epoch) a period may hold a date on. */
export function periodStartDays(rule: RecurrenceRule, anchor: CivilDate, period: number): number {
  const step = period * rule.interval;
  switch (rule.freq) {
    case 'DAILY':
      return daysFromCivil(anchor) + step;
    case 'WEEKLY':
      return weekStartDays(anchor, rule.weekStart) + 7 * step;
    case 'MONTHLY': {
      const { year, month } = addMonths(anchor.year, anchor.month, step);
      return daysFromCivil({ year, month, day: 1 });
    }
    case 'YEARLY':
      return daysFromCivil({ year: anchor.year + step, month: 1, day: 1 });
  }
}

/**
 * For counting without walking: a block of periods every run of which holds the same number of
 * dates, when the rule has one (DAILY limited by nothing or by BYDAY alone, WEEKLY without
 * BYMONTH). `undefined` for the others, which must be walked.
 */
export function uniformBlock(
  rule: RecurrenceRule,
  anchor: CivilDate,
): { periods: number; dates: number } | undefined {
  if (rule.byMonth !== undefined || rule.byMonthDay !== undefined) return undefined;
  if (rule.freq === 'WEEKLY') return { periods: 1, dates: rule.byDay?.length ?? 1 };
  if (rule.freq !== 'DAILY') return undefined;
  if (rule.byDay === undefined) return { periods: 1, dates: 1 };
  // Seven consecutive periods fall on every weekday once (INTERVAL prime to 7), or all on the
  // anchor's weekday (INTERVAL a multiple of 7).
  const weekdays = new Set(rule.byDay.map((d) => d.weekday));
  if (rule.interval % 7 !== 0) return { periods: 7, dates: weekdays.size };
  return { periods: 7, dates: weekdays.has(weekdayOfDays(daysFromCivil(anchor))) ? 7 : 0 };
}

/**
 * DAILY limited by BYMONTH or BYMONTHDAY: the first period at or after `period` whose day can pass
 * those two limits, found month by month instead of day by day; `undefined` when no month within a
 * 400-year cycle has one (the static check of `parseRrule` refuses such rules first).
 */
export function nextDailyCandidate(
  rule: RecurrenceRule,
  anchor: CivilDate,
  period: number,
): number | undefined {
  const anchorDays = daysFromCivil(anchor);
  const fromDays = anchorDays + period * rule.interval;
  const from = civilFromDays(fromDays);
  for (let m = 0; m <= 4_800; m += 1) {
    const { year, month } = addMonths(from.year, from.month, m);
    if (rule.byMonth !== undefined && !rule.byMonth.includes(month)) continue;
    const length = daysInMonth(year, month);
    const firstDay = m === 0 ? from.day : 1;
    let day: number | undefined;
    if (rule.byMonthDay === undefined) day = firstDay;
    else {
      for (const value of rule.byMonthDay) {
        const d = monthDay(value, length);
        if (d >= firstDay && (day === undefined || d < day)) day = d;
      }
    }
    if (day === undefined) continue;
    const days = daysFromCivil({ year, month, day });
    return Math.max(period, Math.ceil((days - anchorDays) / rule.interval));
  }
  return undefined;
}

/** The candidate dates of the `period`-th period (counting INTERVAL steps from the anchor's), ascending. */
export function datesOfPeriod(rule: RecurrenceRule, anchor: CivilDate, period: number): CivilDate[] {
  const step = period * rule.interval;
  switch (rule.freq) {
    case 'DAILY': {
      const date = civilFromDays(daysFromCivil(anchor) + step);
      return matchesLimits(rule, date) ? [date] : [];
    }
    case 'WEEKLY': {
      const start = weekStartDays(anchor, rule.weekStart) + 7 * step;
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
export function monthDay(value: number, length: number): number {
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
