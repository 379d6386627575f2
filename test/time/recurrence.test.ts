import { describe, expect, it } from 'vitest';
import { lexDateTime } from '../../src/time/date-time-text.js';
import { TimeError } from '../../src/time/errors.js';
import { formatInstant, parseInstant } from '../../src/time/instant.js';
import { nextOccurrence, type RecurrenceAnchor } from '../../src/time/recurrence.js';
import { formatRrule, parseRrule } from '../../src/time/rrule.js';
import { wallTimeAt } from '../../src/time/temporal.js';
import type { Disambiguation } from '../../src/time/zoned-time.js';

function anchor(
  local: string,
  zone: string,
  disambiguation: Disambiguation = 'compatible',
): RecurrenceAnchor {
  return { wall: lexDateTime(local)!.wall, zone, disambiguation };
}

/** Occurrences after `fromMs`, at most `limit`, as RFC 3339 UTC. */
function occurrences(rrule: string, a: RecurrenceAnchor, from: string, limit = 50): string[] {
  const rule = parseRrule(rrule);
  const result: string[] = [];
  let afterMs = parseInstant(from);
  for (let i = 0; i < limit; i++) {
    const next = nextOccurrence(rule, a, afterMs);
    if (next === undefined) break;
    result.push(formatInstant(next.atMs));
    afterMs = next.atMs;
  }
  return result;
}

function rruleError(text: unknown): string {
  try {
    parseRrule(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TimeError);
    expect((error as TimeError).field).toBe('deliver_rrule');
    return (error as TimeError).code;
  }
  throw new Error('expected a TimeError');
}

describe('parseRrule', () => {
  it('parses the supported parts and prints them canonically', () => {
    const rule = parseRrule('rrule:freq=monthly;interval=2;byday=1mo,-1fr;count=10');
    expect(rule).toMatchObject({ freq: 'MONTHLY', interval: 2, count: 10 });
    expect(rule.byDay).toEqual([
      { weekday: 0, ordinal: 1 },
      { weekday: 4, ordinal: -1 },
    ]);
    expect(formatRrule(rule)).toBe('FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO,-1FR;COUNT=10');
    expect(formatRrule(parseRrule('FREQ=DAILY;UNTIL=20261231T235959Z'))).toBe(
      'FREQ=DAILY;UNTIL=20261231T235959Z',
    );
  });

  it('answers stable codes for bad rules', () => {
    expect(rruleError('INTERVAL=2')).toBe('RRULE_MISSING_FREQ');
    expect(rruleError('FREQ=HOURLY')).toBe('RRULE_UNSUPPORTED');
    expect(rruleError('FREQ=DAILY;BYHOUR=9')).toBe('RRULE_UNSUPPORTED');
    expect(rruleError('FREQ=MONTHLY;BYSETPOS=-1')).toBe('RRULE_UNSUPPORTED');
    expect(rruleError('FREQ=DAILY;;')).toBe('RRULE_SYNTAX');
    expect(rruleError('FREQ=DAILY;FREQ=WEEKLY')).toBe('RRULE_SYNTAX');
    expect(rruleError('FREQ=DAILY;INTERVAL=0')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=MONTHLY;BYMONTHDAY=32')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=MONTHLY;BYMONTHDAY=0')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=WEEKLY;BYDAY=XX')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=WEEKLY;BYDAY=1MO')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=MONTHLY;BYDAY=6MO')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=WEEKLY;BYMONTHDAY=1')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=DAILY;UNTIL=20261231T235959')).toBe('RRULE_INVALID_VALUE');
    expect(rruleError('FREQ=DAILY;COUNT=2;UNTIL=20261231')).toBe('RRULE_COUNT_WITH_UNTIL');
    expect(rruleError(7)).toBe('TIME_NOT_A_STRING');
  });
});

describe('nextOccurrence', () => {
  it('keeps 09:00 every weekday in Europe/Oslo across both DST changes of a year', () => {
    const oslo = anchor('2026-01-01T09:00', 'Europe/Oslo');
    const all = occurrences('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', oslo, '2025-12-31T00:00:00Z', 400).filter(
      (t) => t.startsWith('2026'),
    );
    expect(all).toHaveLength(261); // weekdays in 2026
    for (const text of all) {
      const wall = wallTimeAt(parseInstant(text), 'Europe/Oslo');
      expect([wall.hour, wall.minute]).toEqual([9, 0]);
    }
    // Friday before / Monday after the spring change (+01:00 → +02:00), same around the autumn one.
    expect(all).toContain('2026-03-27T08:00:00.000Z');
    expect(all).toContain('2026-03-30T07:00:00.000Z');
    expect(all).toContain('2026-10-23T07:00:00.000Z');
    expect(all).toContain('2026-10-26T08:00:00.000Z');
    expect(all).not.toContain('2026-03-28T08:00:00.000Z'); // Saturday
  });

  it('skips months without a 31st for BYMONTHDAY=31', () => {
    const utc = anchor('2026-01-31T12:00', 'UTC');
    expect(
      occurrences('FREQ=MONTHLY;BYMONTHDAY=31', utc, '2026-01-01T00:00:00Z', 7).map((t) => t.slice(0, 10)),
    ).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
      '2026-07-31',
      '2026-08-31',
      '2026-10-31',
      '2026-12-31',
    ]);
  });

  it('skips months without the anchor day for a plain MONTHLY rule, and counts from the end with -1', () => {
    const utc = anchor('2026-01-30T12:00', 'UTC');
    expect(occurrences('FREQ=MONTHLY', utc, '2026-01-01T00:00:00Z', 3).map((t) => t.slice(0, 10))).toEqual([
      '2026-01-30',
      '2026-03-30',
      '2026-04-30',
    ]);
    expect(
      occurrences('FREQ=MONTHLY;BYMONTHDAY=-1', utc, '2026-01-01T00:00:00Z', 3).map((t) => t.slice(0, 10)),
    ).toEqual(['2026-01-31', '2026-02-28', '2026-03-31']);
  });

  it('expands ordinal weekdays within the month (first Monday, last Friday)', () => {
    const utc = anchor('2026-01-01T10:00', 'UTC');
    expect(
      occurrences('FREQ=MONTHLY;BYDAY=1MO,-1FR', utc, '2026-01-01T00:00:00Z', 4).map((t) => t.slice(0, 10)),
    ).toEqual(['2026-01-05', '2026-01-30', '2026-02-02', '2026-02-27']);
  });

  it('stops after COUNT occurrences, counting from the anchor', () => {
    const utc = anchor('2026-01-01T10:00', 'UTC');
    expect(occurrences('FREQ=DAILY;COUNT=3', utc, '2025-01-01T00:00:00Z')).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-02T10:00:00.000Z',
      '2026-01-03T10:00:00.000Z',
    ]);
    expect(occurrences('FREQ=DAILY;COUNT=3', utc, '2026-01-02T12:00:00Z')).toEqual([
      '2026-01-03T10:00:00.000Z',
    ]);
  });

  it('stops at UNTIL, inclusive, as a UTC instant or a local date', () => {
    const oslo = anchor('2026-01-01T09:00', 'Europe/Oslo');
    expect(occurrences('FREQ=DAILY;UNTIL=20260103T080000Z', oslo, '2025-12-31T00:00:00Z')).toHaveLength(3);
    expect(occurrences('FREQ=DAILY;UNTIL=20260103T075959Z', oslo, '2025-12-31T00:00:00Z')).toHaveLength(2);
    expect(occurrences('FREQ=DAILY;UNTIL=20260105', oslo, '2025-12-31T00:00:00Z')).toHaveLength(5);
  });

  it('honours INTERVAL for weekly rules', () => {
    const utc = anchor('2026-01-05T08:00', 'UTC'); // a Monday
    expect(
      occurrences('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE', utc, '2026-01-01T00:00:00Z', 4).map((t) =>
        t.slice(0, 10),
      ),
    ).toEqual(['2026-01-05', '2026-01-07', '2026-01-19', '2026-01-21']);
  });

  it('gives 29 February only in leap years for a YEARLY rule', () => {
    const utc = anchor('2028-02-29T12:00', 'UTC');
    expect(occurrences('FREQ=YEARLY', utc, '2028-01-01T00:00:00Z', 3).map((t) => t.slice(0, 10))).toEqual([
      '2028-02-29',
      '2032-02-29',
      '2036-02-29',
    ]);
  });

  it('resolves a wall time in a DST gap by the schedule policy, and skips it under reject', () => {
    const from = '2026-03-28T12:00:00Z';
    const rule = 'FREQ=DAILY';
    expect(occurrences(rule, anchor('2026-03-01T02:30', 'Europe/Oslo'), from, 2)).toEqual([
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(occurrences(rule, anchor('2026-03-01T02:30', 'Europe/Oslo', 'earlier'), from, 1)).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET
    ]);
    expect(occurrences(rule, anchor('2026-03-01T02:30', 'Europe/Oslo', 'reject'), from, 1)).toEqual([
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fires once in a DST overlap, on the reading the policy picks', () => {
    const from = '2026-10-24T12:00:00Z';
    const ny = (d: Disambiguation) => anchor('2026-10-01T01:30', 'America/New_York', d);
    expect(occurrences('FREQ=DAILY', ny('compatible'), '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    expect(occurrences('FREQ=DAILY', ny('later'), '2026-10-31T12:00:00Z', 1)).toEqual([
      '2026-11-01T06:30:00.000Z',
    ]);
    expect(occurrences('FREQ=DAILY', anchor('2026-10-01T02:30', 'Europe/Oslo', 'later'), from, 1)).toEqual([
      '2026-10-25T01:30:00.000Z',
    ]);
  });

  it('keeps Australia/Lord_Howe wall time across its 30-minute DST change', () => {
    const lh = anchor('2026-10-01T09:00', 'Australia/Lord_Howe');
    expect(occurrences('FREQ=DAILY', lh, '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T22:30:00.000Z', // 09:00 +10:30 on 3 October
      '2026-10-03T22:00:00.000Z', // 09:00 +11:00 on 4 October
      '2026-10-04T22:00:00.000Z',
    ]);
  });

  it('jumps ahead cheaply for rules without COUNT (an occurrence in 2100)', () => {
    const oslo = anchor('2026-01-01T09:00', 'Europe/Oslo');
    expect(occurrences('FREQ=DAILY', oslo, '2100-06-30T12:00:00Z', 1)).toEqual(['2100-07-01T07:00:00.000Z']);
  });

  it('refuses a rule that never matches when parsing it, and answers undefined for an anchor that never lands', () => {
    expect(rruleError('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30')).toBe('RRULE_NO_OCCURRENCE');
    const january = anchor('2026-01-01T00:00', 'UTC'); // every 12 months from January: never May
    expect(occurrences('FREQ=MONTHLY;INTERVAL=12;BYMONTH=5', january, '2026-01-01T00:00:00Z')).toEqual([]);
  });
});
