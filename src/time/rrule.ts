import { type CivilDate, daysInMonth, isValidDate, wallTimeAsUtcMs } from './civil.js';
import { TimeError } from './errors.js';

/**
 * Parser for the subset of RFC 5545 §3.3.10 RRULE that Herald schedules support:
 * FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, BYDAY (with ±n ordinals for MONTHLY and
 * YEARLY), BYMONTHDAY (±1..31), BYMONTH, COUNT, UNTIL, WKST. The time of day comes from the
 * schedule's anchor, so BYHOUR/BYMINUTE/BYSECOND are refused, as are BYSETPOS, BYWEEKNO, BYYEARDAY
 * and sub-daily frequencies: `RRULE_UNSUPPORTED` says so instead of silently ignoring them.
 */

export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

/** `BYDAY` entry: ISO weekday (0 = MO … 6 = SU), with an ordinal (`-1FR` = last Friday) when given. */
export interface WeekdayRule {
  weekday: number;
  ordinal?: number | undefined;
}

export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  byDay?: WeekdayRule[] | undefined;
  byMonthDay?: number[] | undefined;
  byMonth?: number[] | undefined;
  count?: number | undefined;
  /** `UNTIL=…Z`: the last instant an occurrence may have (inclusive). */
  untilMs?: number | undefined;
  /** `UNTIL=YYYYMMDD`: the last local date an occurrence may fall on (inclusive). */
  untilDate?: CivilDate | undefined;
  /** `WKST`, ISO weekday; matters for WEEKLY with INTERVAL > 1. Default Monday. */
  weekStart: number;
}

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const FREQUENCIES: readonly string[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const SUPPORTED_PARTS = new Set([
  'FREQ',
  'INTERVAL',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'COUNT',
  'UNTIL',
  'WKST',
]);
/** COUNT bound (RFC 5545 sets none): what a schedule may ask, far beyond any real reminder. */
export const MAX_COUNT = 100_000;

/** Parses an RRULE value (an optional `RRULE:` prefix is allowed). Errors are `TimeError` naming `field`. */
export function parseRrule(text: unknown, field = 'deliver_rrule'): RecurrenceRule {
  if (typeof text !== 'string') {
    throw new TimeError('TIME_NOT_A_STRING', `${field} must be an RRULE string`, field);
  }
  const parts = splitParts(text.trim().replace(/^RRULE:/i, ''), field);
  const fail = (code: 'RRULE_INVALID_VALUE' | 'RRULE_UNSUPPORTED', message: string): never => {
    throw new TimeError(code, `${field}: ${message}`, field);
  };
  for (const name of parts.keys()) {
    if (!SUPPORTED_PARTS.has(name)) fail('RRULE_UNSUPPORTED', `${name} is not supported`);
  }
  const freqText = parts.get('FREQ');
  if (freqText === undefined) throw new TimeError('RRULE_MISSING_FREQ', `${field}: FREQ is required`, field);
  if (!FREQUENCIES.includes(freqText)) fail('RRULE_UNSUPPORTED', `FREQ=${freqText} is not supported`);
  const freq = freqText as Frequency;
  const rule: RecurrenceRule = { freq, interval: 1, weekStart: 0 };
  const interval = parts.get('INTERVAL');
  if (interval !== undefined) rule.interval = parseIntIn(interval, 1, 10_000, 'INTERVAL', fail);
  const count = parts.get('COUNT');
  if (count !== undefined) rule.count = parseIntIn(count, 1, MAX_COUNT, 'COUNT', fail);
  const until = parts.get('UNTIL');
  if (until !== undefined) {
    if (count !== undefined) {
      throw new TimeError('RRULE_COUNT_WITH_UNTIL', `${field}: COUNT and UNTIL exclude each other`, field);
    }
    Object.assign(rule, parseUntil(until, fail));
  }
  const wkst = parts.get('WKST');
  if (wkst !== undefined) rule.weekStart = parseWeekday(wkst, fail);
  const byMonth = parts.get('BYMONTH');
  if (byMonth !== undefined) rule.byMonth = parseList(byMonth, (v) => parseIntIn(v, 1, 12, 'BYMONTH', fail));
  const byMonthDay = parts.get('BYMONTHDAY');
  if (byMonthDay !== undefined) {
    if (freq === 'WEEKLY') fail('RRULE_INVALID_VALUE', 'BYMONTHDAY is not allowed with FREQ=WEEKLY');
    rule.byMonthDay = parseList(byMonthDay, (v) => {
      const day = parseIntIn(v, -31, 31, 'BYMONTHDAY', fail);
      return day === 0 ? fail('RRULE_INVALID_VALUE', 'BYMONTHDAY=0') : day;
    });
  }
  const byDay = parts.get('BYDAY');
  if (byDay !== undefined) rule.byDay = parseList(byDay, (v) => parseWeekdayRule(v, freq, rule, fail));
  const never = whyNeverMatches(rule);
  if (never !== undefined) {
    throw new TimeError('RRULE_NO_OCCURRENCE', `${field}: ${never}, so the rule has no occurrence`, field);
  }
  return rule;
}

/**
 * Refuses, from the rule alone, the BY* combinations no date can satisfy, e.g.
 * `BYMONTH=2;BYMONTHDAY=30`, or `BYMONTHDAY=1;BYDAY=5MO` (a fifth Monday is the 29th or later):
 * a few comparisons instead of searching the calendar. Every combination that passes has dates in
 * each 400-year cycle (a month day falls on every weekday in one); whether INTERVAL ever lands on
 * them depends on the anchor, and is left to the search, which ends after one such cycle.
 */
function whyNeverMatches(rule: RecurrenceRule): string | undefined {
  if (rule.byMonthDay === undefined) return undefined;
  const months = rule.byMonth ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  // Month lengths the rule's months can have: February is 28 or 29 days long.
  const lengths = [...new Set(months.flatMap((m) => (m === 2 ? [28, 29] : [daysInMonth(2001, m)])))];
  const monthDays = lengths.flatMap((length) =>
    rule.byMonthDay!.map((value) => ({ length, day: value > 0 ? value : length + 1 + value })),
  );
  const fits = monthDays.filter(({ length, day }) => day >= 1 && day <= length);
  const monthText = rule.byMonth === undefined ? 'any month' : `BYMONTH=${rule.byMonth.join(',')}`;
  if (fits.length === 0) return `BYMONTHDAY=${rule.byMonthDay.join(',')} never falls in ${monthText}`;
  // BYDAY beside BYMONTHDAY limits, within the month; an ordinal pins the weekday to a week of it.
  const byDay = rule.byDay;
  if (byDay === undefined || byDay.some((d) => d.ordinal === undefined)) return undefined;
  const inWeek = ({ length, day }: { length: number; day: number }, ordinal: number) => {
    const first = ordinal > 0 ? 7 * (ordinal - 1) + 1 : length + 7 * ordinal + 1;
    return day >= first && day < first + 7;
  };
  if (fits.some((fit) => byDay.some((d) => inWeek(fit, d.ordinal!)))) return undefined;
  return `BYDAY=${byDay.map((d) => `${d.ordinal}${WEEKDAYS[d.weekday]}`).join(',')} never falls on BYMONTHDAY=${rule.byMonthDay.join(',')}`;
}

function splitParts(body: string, field: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const piece of body.split(';')) {
    const m = /^([A-Za-z-]+)=([^;=]+)$/.exec(piece);
    if (m === null)
      throw new TimeError(
        'RRULE_SYNTAX',
        `${field}: expected NAME=VALUE, got ${JSON.stringify(piece)}`,
        field,
      );
    const name = m[1]!.toUpperCase();
    if (parts.has(name)) throw new TimeError('RRULE_SYNTAX', `${field}: ${name} appears twice`, field);
    parts.set(name, m[2]!.toUpperCase());
  }
  return parts;
}

type Fail = (code: 'RRULE_INVALID_VALUE' | 'RRULE_UNSUPPORTED', message: string) => never;

function parseIntIn(text: string, min: number, max: number, name: string, fail: Fail): number {
  const n = /^[+-]?\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  return n >= min && n <= max
    ? n
    : fail('RRULE_INVALID_VALUE', `${name}=${text} is not an integer in ${min}..${max}`);
}

function parseList<T>(text: string, parse: (value: string) => T): T[] {
  return [...new Set(text.split(','))].map(parse);
}

function parseWeekday(text: string, fail: Fail): number {
  const index = (WEEKDAYS as readonly string[]).indexOf(text);
  return index >= 0 ? index : fail('RRULE_INVALID_VALUE', `${text} is not a weekday (MO…SU)`);
}

function parseWeekdayRule(text: string, freq: Frequency, rule: RecurrenceRule, fail: Fail): WeekdayRule {
  const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(text);
  if (m === null) return fail('RRULE_INVALID_VALUE', `BYDAY entry ${text} is not [±n]MO…SU`);
  const weekday = parseWeekday(m[2]!, fail);
  if (m[1] === undefined) return { weekday };
  // RFC 5545: ordinals only for MONTHLY, or YEARLY (within the year, or within BYMONTH's months).
  if (freq !== 'MONTHLY' && freq !== 'YEARLY')
    fail('RRULE_INVALID_VALUE', `BYDAY=${text}: ordinals need MONTHLY or YEARLY`);
  const limit = freq === 'MONTHLY' || rule.byMonth !== undefined ? 5 : 53;
  const ordinal = parseIntIn(m[1], -limit, limit, 'BYDAY ordinal', fail);
  return ordinal === 0 ? fail('RRULE_INVALID_VALUE', `BYDAY=${text}: ordinal 0`) : { weekday, ordinal };
}

function parseUntil(text: string, fail: Fail): Pick<RecurrenceRule, 'untilMs' | 'untilDate'> {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(text);
  if (m === null) return fail('RRULE_INVALID_VALUE', `UNTIL=${text} is not YYYYMMDD or YYYYMMDDTHHMMSSZ`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isValidDate(year, month, day)) return fail('RRULE_INVALID_VALUE', `UNTIL=${text} is not a date`);
  if (m[4] === undefined) return { untilDate: { year, month, day } };
  // RFC 5545: with a zoned DTSTART, UNTIL "MUST be specified in UTC time"; a floating one is ambiguous.
  if (m[7] === undefined)
    return fail('RRULE_INVALID_VALUE', `UNTIL=${text} must end in Z (UTC) or be a date`);
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 60)
    return fail('RRULE_INVALID_VALUE', `UNTIL=${text} is not a time`);
  const wall = {
    year,
    month,
    day,
    hour,
    minute,
    second: Math.min(second, 59),
    millisecond: second === 60 ? 999 : 0,
  };
  return { untilMs: wallTimeAsUtcMs(wall) };
}

/** The canonical text of a rule (upper case, fixed part order), as stored and shown in the list API. */
export function formatRrule(rule: RecurrenceRule): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byMonth) parts.push(`BYMONTH=${rule.byMonth.join(',')}`);
  if (rule.byMonthDay) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(',')}`);
  if (rule.byDay)
    parts.push(`BYDAY=${rule.byDay.map((d) => `${d.ordinal ?? ''}${WEEKDAYS[d.weekday]}`).join(',')}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.untilDate)
    parts.push(`UNTIL=${pad(rule.untilDate.year, 4)}${pad(rule.untilDate.month)}${pad(rule.untilDate.day)}`);
  if (rule.untilMs !== undefined) {
    parts.push(`UNTIL=${new Date(rule.untilMs).toISOString().replace(/[-:]|\.\d{3}/g, '')}`);
  }
  if (rule.weekStart !== 0) parts.push(`WKST=${WEEKDAYS[rule.weekStart]}`);
  return parts.join(';');
}
