/**
 * Resuming a recurrence from a kept occurrence (its index and due instant, what a schedule stores)
 * gives exactly the sequence of a walk from the anchor, which gives exactly what the expansion did
 * before it could resume (the oracle in support/legacy-recurrence.ts): COUNT, UNTIL, skipped dates,
 * DST gaps and overlaps under every policy, in zones with 1-hour, 30-minute and no DST changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WallTime } from '../../src/time/civil.js';
import { formatInstant } from '../../src/time/instant.js';
import { nextOccurrence, type OccurrenceCursor, type RecurrenceAnchor } from '../../src/time/recurrence.js';
import { parseRrule, type RecurrenceRule } from '../../src/time/rrule.js';
import type { Disambiguation } from '../../src/time/zoned-time.js';
import { nextOccurrence as legacyNextOccurrence } from './support/legacy-recurrence.js';

const ZONES = ['Europe/Oslo', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'];
const POLICIES: Disambiguation[] = ['compatible', 'earlier', 'later', 'reject'];
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
/** Occurrences compared per rule. */
const SEQUENCE_LENGTH = 12;

const subset = <T>(values: readonly T[], maxLength: number) =>
  fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength });

/** A rule of the supported subset; BYMONTHDAY within 1..28 (or -28..-1), so that it always matches. */
const ruleText = fc
  .record({
    freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
    interval: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 4 }), fc.constantFrom(7, 14)),
    byMonth: fc.option(subset([1, 2, 3, 4, 6, 9, 10, 11, 12], 4), { nil: undefined }),
    byMonthDay: fc.option(subset([1, 2, 13, 15, 28, -1, -2, -7], 3), { nil: undefined }),
    byDay: fc.option(subset(WEEKDAYS, 3), { nil: undefined }),
    ordinal: fc.option(fc.constantFrom(1, 2, -1, -2), { nil: undefined }),
    end: fc.oneof(
      fc.constant(''),
      fc.integer({ min: 1, max: 40 }).map((n) => `;COUNT=${n}`),
      fc.constantFrom(';UNTIL=20270315', ';UNTIL=20261101T013000Z', ';UNTIL=20280229T235959Z'),
    ),
  })
  .map(({ freq, interval, byMonth, byMonthDay, byDay, ordinal, end }) => {
    const parts = [`FREQ=${freq}`, `INTERVAL=${interval}`];
    if (byMonth) parts.push(`BYMONTH=${byMonth.join(',')}`);
    if (byMonthDay && freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${byMonthDay.join(',')}`);
    // Ordinals only where RFC 5545 allows them, and not beside BYMONTHDAY (that may never match).
    const ordinals = (freq === 'MONTHLY' || freq === 'YEARLY') && !byMonthDay && ordinal !== undefined;
    if (byDay) parts.push(`BYDAY=${byDay.map((d) => (ordinals ? `${ordinal}${d}` : d)).join(',')}`);
    return parts.join(';') + end;
  });

/** Anchors around the DST changes of 2026 (02:30 is in Oslo's and New York's gap or overlap). */
const anchorArbitrary = fc.record({
  year: fc.constantFrom(2025, 2026),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.constantFrom(0, 1, 2, 9, 23),
  minute: fc.constantFrom(0, 15, 30),
  zone: fc.constantFrom(...ZONES),
  disambiguation: fc.constantFrom(...POLICIES),
});

function anchorOf(a: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  zone: string;
  disambiguation: Disambiguation;
}): RecurrenceAnchor {
  const wall: WallTime = {
    year: a.year,
    month: a.month,
    day: a.day,
    hour: a.hour,
    minute: a.minute,
    second: 0,
    millisecond: 0,
  };
  return { wall, zone: a.zone, disambiguation: a.disambiguation };
}

type Next = (
  afterMs: number,
  previous: { atMs: number; index: number | undefined } | undefined,
) => { atMs: number; wall: WallTime; index?: number | undefined } | undefined;

function sequence(fromMs: number, next: Next): string[] {
  const result: string[] = [];
  let afterMs = fromMs;
  let previous: { atMs: number; index: number | undefined } | undefined;
  for (let i = 0; i < SEQUENCE_LENGTH; i += 1) {
    const occurrence = next(afterMs, previous);
    if (occurrence === undefined) break;
    result.push(`${formatInstant(occurrence.atMs)} ${JSON.stringify(occurrence.wall)}`);
    afterMs = occurrence.atMs;
    previous = { atMs: occurrence.atMs, index: occurrence.index };
  }
  return result;
}

const cursorOf = (
  previous: { atMs: number; index: number | undefined } | undefined,
): OccurrenceCursor | undefined =>
  previous?.index === undefined ? undefined : { index: previous.index, atMs: previous.atMs };

describe('resuming a recurrence', () => {
  it('gives the sequence of a walk from the anchor, which is the one before resuming existed', () => {
    fc.assert(
      fc.property(ruleText, anchorArbitrary, fc.integer({ min: -40, max: 400 }), (text, a, startDays) => {
        const rule: RecurrenceRule = parseRrule(text);
        const anchor = anchorOf(a);
        const fromMs = Date.UTC(a.year, a.month - 1, a.day) + startDays * 86_400_000;
        const legacy = sequence(fromMs, (afterMs) => legacyNextOccurrence(rule, anchor, afterMs));
        const fromAnchor = sequence(fromMs, (afterMs) => nextOccurrence(rule, anchor, afterMs));
        const resumed = sequence(fromMs, (afterMs, previous) =>
          nextOccurrence(rule, anchor, afterMs, { from: cursorOf(previous) }),
        );
        expect(fromAnchor).toEqual(legacy);
        expect(resumed).toEqual(legacy);
      }),
      { numRuns: 150 },
    );
  });

  it('counts the occurrences a catch-up skips: resuming far past the kept one ends COUNT where the anchor walk does', () => {
    fc.assert(
      fc.property(
        ruleText.filter((t) => t.includes('COUNT')),
        anchorArbitrary,
        fc.integer({ min: 1, max: 1_500 }),
        (text, a, downtimeDays) => {
          const rule = parseRrule(text);
          const anchor = anchorOf(a);
          const first = nextOccurrence(rule, anchor, Date.UTC(a.year, a.month - 1, a.day) - 3 * 86_400_000);
          if (first === undefined) {
            expect(legacyNextOccurrence(rule, anchor, Number.MIN_SAFE_INTEGER)).toBeUndefined();
            return;
          }
          const afterMs = first.atMs + downtimeDays * 86_400_000;
          const resumed = nextOccurrence(rule, anchor, afterMs, { from: cursorOf(first) });
          const walked = nextOccurrence(rule, anchor, afterMs);
          expect(resumed).toEqual(walked);
          expect(resumed?.atMs).toBe(legacyNextOccurrence(rule, anchor, afterMs)?.atMs);
        },
      ),
      { numRuns: 150 },
    );
  });
});
