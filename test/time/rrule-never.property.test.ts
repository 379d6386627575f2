/**
 * The static check of parseRrule (`RRULE_NO_OCCURRENCE` for BY* parts no date satisfies) refuses
 * exactly the rules that have no date in a whole 400-year Gregorian cycle, by the expansion that
 * walked every month (support/legacy-recurrence.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeError } from '../../src/time/errors.js';
import { formatRrule, parseRrule, type RecurrenceRule } from '../../src/time/rrule.js';
import { nextOccurrence as legacyNextOccurrence } from './support/legacy-recurrence.js';

const ruleArbitrary: fc.Arbitrary<RecurrenceRule> = fc
  .record({
    freq: fc.constantFrom('MONTHLY' as const, 'YEARLY' as const),
    byMonth: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }), {
      nil: undefined,
    }),
    byMonthDay: fc.uniqueArray(
      fc.integer({ min: -31, max: 31 }).filter((d) => d !== 0),
      { minLength: 1, maxLength: 3 },
    ),
    byDay: fc.option(
      fc.uniqueArray(
        fc.record({
          weekday: fc.integer({ min: 0, max: 6 }),
          ordinal: fc.option(
            fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0),
            { nil: undefined },
          ),
        }),
        { minLength: 1, maxLength: 2, selector: (d) => `${d.ordinal}${d.weekday}` },
      ),
      { nil: undefined },
    ),
  })
  .map(({ freq, byMonth, byMonthDay, byDay }) => ({
    freq,
    interval: 1,
    weekStart: 0,
    byMonth,
    byMonthDay,
    byDay,
  }));

function isRefused(text: string): boolean {
  try {
    parseRrule(text);
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(TimeError);
    expect((error as TimeError).code).toBe('RRULE_NO_OCCURRENCE');
    return true;
  }
}

describe('parseRrule: rules that never match', () => {
  it('refuses a rule exactly when no date of a 400-year cycle matches it', () => {
    // The last full cycle before year 9999, where the walk from the anchor stops.
    const anchor = {
      wall: { year: 9599, month: 1, day: 1, hour: 9, minute: 0, second: 0, millisecond: 0 },
      zone: 'UTC',
      disambiguation: 'compatible' as const,
    };
    fc.assert(
      fc.property(ruleArbitrary, (rule) => {
        const hasDate = legacyNextOccurrence(rule, anchor, Date.UTC(9598, 0, 1)) !== undefined;
        expect(isRefused(formatRrule(rule))).toBe(!hasDate);
      }),
      { numRuns: 120 },
    );
  });
});
