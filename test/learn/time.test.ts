/**
 * Guides 4 and 5, docs/learn/time-on-the-wire.md and docs/learn/date-time-bugs.md: each function
 * returns what the guide says, on fixed instants and explicitly named zones. For each bug, the
 * buggy function really gives the wrong answer and the fix the right one.
 */
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it, vi } from 'vitest';
import {
  bookBuggy,
  bookFixed,
  clockOffsetMs,
  isTicketValidBuggy,
  isTicketValidFixed,
  monthlyBuggy,
  monthlyFixed,
  nextWeekBuggy,
  nextWeekFixed,
  osloWallTimeBuggy,
  osloWallTimeFixed,
  secondsLeftBuggy,
  secondsLeftFixed,
} from '../../examples/learn/time-bugs.js';
import {
  fromWire,
  heraldTimes,
  leapSecond,
  offsetsSixMonthsApart,
  readExp,
  toWire,
  year2038,
} from '../../examples/learn/time-on-the-wire.js';

vi.mock('herald/client', () => import('../../src/client/index.js'));
vi.mock('herald/hub', () => import('../../src/http/index.js'));

const at = (rfc3339: string) => Temporal.Instant.from(rfc3339).epochMilliseconds;
const wallIn = (zone: string, ms: number) =>
  Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDateTime().toString();

describe('examples/learn/time-on-the-wire.ts', () => {
  it('writes RFC 3339 UTC with milliseconds and reads any offset back to the same instant', () => {
    const ms = Date.UTC(2026, 11, 5, 5, 18, 0, 123);
    expect(toWire(ms)).toBe('2026-12-05T05:18:00.123Z');
    expect(fromWire('2026-12-05T05:18:00.123Z')).toBe(ms);
    expect(fromWire('2026-12-05T06:18:00.123+01:00')).toBe(ms);
    expect(fromWire('2026-12-05 05:18:00.123z')).toBe(ms);
  });

  it('refuses what is ISO 8601 but not an RFC 3339 instant', () => {
    for (const text of [
      '2026-12-05',
      '2026-12-05T05:18:00',
      '20261205T051800Z',
      '2026-W49-6T05:18:00Z',
      '1764911880',
    ])
      expect(() => fromWire(text), text).toThrow(RangeError);
  });

  it('reads seconds as milliseconds into 1970, and right once multiplied', () => {
    expect(readExp(1_796_112_000)).toEqual({
      wrong: '1970-01-21T18:55:12.000Z',
      right: '2026-12-01T08:00:00.000Z',
    });
  });

  it('shows the 2038 wrap of 32-bit seconds and the far limit of JavaScript time', () => {
    expect(year2038()).toEqual({
      last: '2038-01-19T03:14:07.000Z',
      next: '1901-12-13T20:45:52.000Z',
      javascriptLimit: '+275760-09-13T00:00:00.000Z',
    });
  });

  it('has no 61st second: Date refuses it, Temporal reads it as :59, the day stays 86,400 s', () => {
    expect(leapSecond()).toEqual({
      dateParse: Number.NaN,
      temporal: '2016-12-31T23:59:59Z',
      dayLengthSeconds: 86_400,
    });
  });

  it('gives a zone two offsets six months apart, and a fixed-offset zone one', () => {
    expect(offsetsSixMonthsApart('Europe/Oslo', '2026-07-01T09:00')).toEqual(['+02:00', '+01:00']);
    expect(offsetsSixMonthsApart('Africa/Lagos', '2026-07-01T09:00')).toEqual(['+01:00', '+01:00']);
    expect(offsetsSixMonthsApart('America/New_York', '2026-07-01T09:00')).toEqual(['-04:00', '-05:00']);
  });

  it("reports the hub's clock in /healthz and in the ids it makes", async () => {
    const nowMs = at('2026-12-05T05:18:00.123Z');
    const times = await heraldTimes({ nowMs: () => nowMs });
    expect(times.serverTime).toBe('2026-12-05T05:18:00.123Z');
    expect(times.serverTimeMs).toBe(nowMs);
    expect(times.eventId).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(times.eventIdTime).toBe('2026-12-05T05:18:00.123Z');
  });
});

describe('examples/learn/time-bugs.ts', () => {
  it('next week: 168 hours moves a meeting across the DST change; a calendar week keeps 09:00', () => {
    const monday = at('2027-03-22T08:00:00Z'); // 09:00 in Oslo, winter time; DST starts on the 28th
    expect(wallIn('Europe/Oslo', monday)).toBe('2027-03-22T09:00:00');
    expect(wallIn('Europe/Oslo', nextWeekBuggy(monday))).toBe('2027-03-29T10:00:00');
    expect(wallIn('Europe/Oslo', nextWeekFixed(monday, 'Europe/Oslo'))).toBe('2027-03-29T09:00:00');
    // Without a change in between, both agree.
    const january = at('2027-01-11T08:00:00Z');
    expect(nextWeekBuggy(january)).toBe(nextWeekFixed(january, 'Europe/Oslo'));
  });

  it('US and Europe: a fixed 6 hours is wrong in the weeks when only one side has changed', () => {
    // 14 to 28 March 2027: New York on summer time, Oslo not yet.
    expect(osloWallTimeBuggy('2027-03-15T09:00')).toBe('2027-03-15T15:00:00');
    expect(osloWallTimeFixed('2027-03-15T09:00')).toBe('2027-03-15T14:00:00');
    // 31 October to 7 November 2027: Oslo back on winter time, New York not yet.
    expect(osloWallTimeBuggy('2027-11-02T09:00')).toBe('2027-11-02T15:00:00');
    expect(osloWallTimeFixed('2027-11-02T09:00')).toBe('2027-11-02T14:00:00');
    // The rest of the year, both agree.
    expect(osloWallTimeFixed('2027-01-15T09:00')).toBe(osloWallTimeBuggy('2027-01-15T09:00'));
    expect(osloWallTimeFixed('2027-07-15T09:00')).toBe(osloWallTimeBuggy('2027-07-15T09:00'));
  });

  it('gap and overlap: the bug books a time nobody asked for; the fix finds none or two', () => {
    expect(bookBuggy('2027-03-28T02:30', 'Europe/Oslo')).toBe('2027-03-28T03:30:00+02:00[Europe/Oslo]');
    expect(bookFixed('2027-03-28T02:30', 'Europe/Oslo')).toEqual([]);
    expect(bookBuggy('2027-10-31T02:30', 'Europe/Oslo')).toBe('2027-10-31T02:30:00+02:00[Europe/Oslo]');
    expect(bookFixed('2027-10-31T02:30', 'Europe/Oslo')).toEqual([
      '2027-10-31T02:30:00+02:00[Europe/Oslo]',
      '2027-10-31T02:30:00+01:00[Europe/Oslo]',
    ]);
    expect(bookFixed('2027-10-31T09:00', 'Europe/Oslo')).toEqual(['2027-10-31T09:00:00+01:00[Europe/Oslo]']);
  });

  it('until midnight: the UTC date lets a Tokyo ticket in on the wrong day; the venue date does not', () => {
    const afterMidnightInTokyo = at('2026-12-01T16:00:00Z'); // 01:00 on 2 December in Tokyo
    expect(isTicketValidBuggy('2026-12-01', afterMidnightInTokyo)).toBe(true);
    expect(isTicketValidFixed('2026-12-01', afterMidnightInTokyo, 'Asia/Tokyo')).toBe(false);
    const morningInTokyo = at('2026-11-30T20:00:00Z'); // 05:00 on 1 December in Tokyo
    expect(isTicketValidBuggy('2026-12-01', morningInTokyo)).toBe(false);
    expect(isTicketValidFixed('2026-12-01', morningInTokyo, 'Asia/Tokyo')).toBe(true);
  });

  it('monthly: Date skips February and doubles March; calendar months stop at the last day', () => {
    expect(monthlyBuggy('2027-01-31', 3)).toEqual(['2027-01-31', '2027-03-03', '2027-03-31']);
    expect(monthlyFixed('2027-01-31', 3)).toEqual(['2027-01-31', '2027-02-28', '2027-03-31']);
  });

  it('clock offset: a client 5 minutes slow shows 6 minutes left; measured against the server, 1', () => {
    const serverNowMs = at('2026-12-05T12:00:00Z');
    const slowMs = 5 * 60_000;
    // The client sends at its 11:54:59.960 and gets the answer at its 11:55:00.040; the server read 12:00:00.
    const offsetMs = clockOffsetMs(serverNowMs - slowMs - 40, serverNowMs, serverNowMs - slowMs + 40);
    expect(offsetMs).toBe(slowMs);
    const expiresAtMs = serverNowMs + 60_000;
    const clientNowMs = serverNowMs - slowMs;
    expect(secondsLeftBuggy(expiresAtMs, clientNowMs)).toBe(360);
    expect(secondsLeftFixed(expiresAtMs, clientNowMs, offsetMs)).toBe(60);
  });
});
