/**
 * Date and time bugs of real systems, each as a buggy function and its fix. test/learn/time.test.ts
 * shows that each buggy one really gives a wrong answer and its fix the right one, on fixed
 * instants in explicitly named zones. Guide: docs/learn/date-time-bugs.md.
 */

// #region next-week
import { Temporal } from 'temporal-polyfill';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** Bug: "same time next week" as 168 hours later. Across a DST change the wall time moves. */
export const nextWeekBuggy = (instantMs: number): number => instantMs + WEEK_MS;

/** Fix: add one week of calendar in the meeting's zone: the wall time stays. */
export const nextWeekFixed = (instantMs: number, zone: string): number =>
  Temporal.Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(zone).add({ weeks: 1 })
    .epochMilliseconds;
// #endregion next-week

// #region us-europe
/** Bug: "Oslo is 6 hours ahead of New York". True most of the year, not all of it. */
export const osloWallTimeBuggy = (newYorkWallTime: string): string =>
  Temporal.PlainDateTime.from(newYorkWallTime).add({ hours: 6 }).toString();

/** Fix: convert through the instant, with both zones' rules. */
export const osloWallTimeFixed = (newYorkWallTime: string): string =>
  Temporal.PlainDateTime.from(newYorkWallTime)
    .toZonedDateTime('America/New_York')
    .withTimeZone('Europe/Oslo')
    .toPlainDateTime()
    .toString();
// #endregion us-europe

// #region gap-overlap
/** Bug: books any wall time, trusting that it happens exactly once. */
export const bookBuggy = (wallTime: string, zone: string): string =>
  Temporal.PlainDateTime.from(wallTime).toZonedDateTime(zone).toString();

/** Fix: list the instants that wall time names: none (a gap), one, or two (an overlap); ask if not one. */
export function bookFixed(wallTime: string, zone: string): string[] {
  const wall = Temporal.PlainDateTime.from(wallTime);
  const readings = (['earlier', 'later'] as const).map((disambiguation) =>
    wall.toZonedDateTime(zone, { disambiguation }),
  );
  const real = readings.filter((reading) => reading.toPlainDateTime().equals(wall));
  return [...new Set(real.map((reading) => reading.toString()))];
}
// #endregion gap-overlap

// #region midnight
/** Bug: "valid until midnight" checked against the date in UTC. */
export const isTicketValidBuggy = (validOn: string, nowMs: number): boolean =>
  new Date(nowMs).toISOString().slice(0, 10) === validOn;

/** Fix: midnight where the venue is. */
export const isTicketValidFixed = (validOn: string, nowMs: number, venueZone: string): boolean =>
  Temporal.Instant.fromEpochMilliseconds(nowMs).toZonedDateTimeISO(venueZone).toPlainDate().toString() ===
  validOn;
// #endregion midnight

// #region monthly
/** Bug: "the same day every month" with Date, which rolls 31 February over into March. */
export function monthlyBuggy(firstDay: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(`${firstDay}T00:00:00Z`);
    date.setUTCMonth(date.getUTCMonth() + i);
    return date.toISOString().slice(0, 10);
  });
}

/** Fix: calendar arithmetic that stops at the month's last day. */
export function monthlyFixed(firstDay: string, count: number): string[] {
  const first = Temporal.PlainDate.from(firstDay);
  return Array.from({ length: count }, (_, i) => first.add({ months: i }).toString());
}
// #endregion monthly

// #region clock-offset
/** Bug: the countdown trusts the client's clock. */
export const secondsLeftBuggy = (expiresAtMs: number, clientNowMs: number): number =>
  Math.round((expiresAtMs - clientNowMs) / 1000);

/** Fix, part 1: one request tells the offset. The server read its clock about halfway through the round trip. */
export const clockOffsetMs = (sentAtMs: number, serverTimeMs: number, receivedAtMs: number): number =>
  serverTimeMs - (sentAtMs + receivedAtMs) / 2;

/** Fix, part 2: count down on the server's clock, as seen from here. */
export const secondsLeftFixed = (expiresAtMs: number, clientNowMs: number, offsetMs: number): number =>
  Math.round((expiresAtMs - (clientNowMs + offsetMs)) / 1000);
// #endregion clock-offset

if (process.argv[1] === import.meta.filename) {
  const monday = Temporal.Instant.from('2027-03-22T08:00:00Z').epochMilliseconds; // 09:00 in Oslo
  const inOslo = (ms: number) =>
    Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO('Europe/Oslo').toString();
  console.log(
    'next week:',
    inOslo(nextWeekBuggy(monday)),
    'vs',
    inOslo(nextWeekFixed(monday, 'Europe/Oslo')),
  );
  console.log(
    '09:00 New York in Oslo:',
    osloWallTimeBuggy('2027-03-15T09:00'),
    'vs',
    osloWallTimeFixed('2027-03-15T09:00'),
  );
  console.log(
    '02:30 on 28 March 2027:',
    bookBuggy('2027-03-28T02:30', 'Europe/Oslo'),
    'vs',
    bookFixed('2027-03-28T02:30', 'Europe/Oslo'),
  );
  const late = Temporal.Instant.from('2026-12-01T16:00:00Z').epochMilliseconds; // 01:00 on the 2nd in Tokyo
  console.log(
    'ticket:',
    isTicketValidBuggy('2026-12-01', late),
    'vs',
    isTicketValidFixed('2026-12-01', late, 'Asia/Tokyo'),
  );
  console.log('monthly:', monthlyBuggy('2027-01-31', 3), 'vs', monthlyFixed('2027-01-31', 3));
}
