/**
 * Time on the wire: what to write, what to read, and the traps in between. Each function returns
 * what its comment says; test/learn/time.test.ts checks every one on fixed instants (never the
 * machine's clock or zone). Guide: docs/learn/time-on-the-wire.md.
 * Run: npx tsx examples/learn/time-on-the-wire.ts (prints each result).
 */

// #region rfc3339
import { timeOfEventId } from 'herald/client';
import { createHub } from 'herald/hub';
import { Temporal } from 'temporal-polyfill';

/** What Herald writes: RFC 3339 in UTC ("Z"), with milliseconds. */
export const toWire = (instantMs: number): string => new Date(instantMs).toISOString();

/** What Herald reads: a full date, a time and an offset ("Z" or ±HH:MM). Anything less is refused. */
export function fromWire(text: string): number {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  if (!rfc3339.test(text)) throw new RangeError(`not an RFC 3339 instant: ${text}`);
  return Temporal.Instant.from(text).epochMilliseconds;
}
// #endregion rfc3339

// #region units
/** A JWT's `exp` counts seconds (RFC 7519); JavaScript's Date counts milliseconds. */
export function readExp(expSeconds: number) {
  return {
    wrong: new Date(expSeconds).toISOString(), // seconds read as milliseconds: a date in January 1970
    right: new Date(expSeconds * 1000).toISOString(),
  };
}
// #endregion units

// #region y2038
/** The last second a signed 32-bit count of seconds can hold, and what comes after it. */
export function year2038() {
  const lastSeconds = 2 ** 31 - 1;
  const [wrapped = 0] = new Int32Array([lastSeconds + 1]); // one second later, in 32 bits
  return {
    last: new Date(lastSeconds * 1000).toISOString(),
    next: new Date(wrapped * 1000).toISOString(), // back to 1901
    javascriptLimit: new Date(8.64e15).toISOString(), // a double of milliseconds goes much further
  };
}
// #endregion y2038

// #region leap-second
/** 31 December 2016 ended with a leap second, 23:59:60 UTC. Unix time and JavaScript skip it. */
export function leapSecond() {
  return {
    dateParse: Date.parse('2016-12-31T23:59:60Z'), // NaN: Date refuses a 61st second
    temporal: Temporal.Instant.from('2016-12-31T23:59:60Z').toString(), // read as 23:59:59
    dayLengthSeconds: (Date.UTC(2017, 0, 1) - Date.UTC(2016, 11, 31)) / 1000, // still 86,400
  };
}
// #endregion leap-second

// #region zones
/** An offset is true for one instant; a zone holds the rules for all of them. */
export function offsetsSixMonthsApart(zone: string, wallTime: string) {
  const start = Temporal.PlainDateTime.from(wallTime).toZonedDateTime(zone);
  return [start.offset, start.add({ months: 6 }).offset];
}
// #endregion zones

// #region herald
/** What a Herald hub says the time is, and the time carried in an event id it makes. */
export async function heraldTimes(clock: { nowMs(): number }) {
  const herald = await createHub({ clock });
  const health = await herald.handleFetch(new Request('http://hub.example/healthz'));
  const { serverTime, serverTimeMs } = (await health.json()) as { serverTime: string; serverTimeMs: number };
  const event = await herald.publish({ topics: ['https://example.com/t'], data: 'x' });
  await herald.close();
  return {
    serverTime,
    serverTimeMs,
    eventId: event.id,
    eventIdTime: toWire(timeOfEventId(event.id) ?? Number.NaN),
  };
}
// #endregion herald

if (process.argv[1] === import.meta.filename) {
  console.log(toWire(Date.UTC(2026, 11, 5, 5, 18, 0, 123)), fromWire('2026-12-05T06:18:00.123+01:00'));
  console.log(readExp(1_796_112_000), year2038(), leapSecond());
  console.log(offsetsSixMonthsApart('Europe/Oslo', '2026-07-01T09:00'));
  console.log(await heraldTimes({ nowMs: () => Date.now() }));
}
