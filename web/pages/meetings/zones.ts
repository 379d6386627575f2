import { Temporal } from 'temporal-polyfill';

/**
 * Wall times and zones for the meetings page, with Temporal (the polyfill the hub uses too, so the
 * page and the hub read a wall time the same way) and `Intl.DateTimeFormat` for display.
 */

/** How a wall time that DST skips or repeats is read: the hub's `deliver_disambiguation`. */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

/** What a wall time means in a zone: one instant, none (a DST gap) or two (a DST overlap). */
export type WallTimeReading =
  | { kind: 'unique'; instantMs: number }
  /** `earlierMs`: the wall time moved back by the gap; `laterMs`: moved forward (Temporal's meanings). */
  | { kind: 'gap' | 'overlap'; earlierMs: number; laterMs: number };

/** `YYYY-MM-DDTHH:MM` → its reading in `zone`; `undefined` when the text is no wall time. */
export function readWallTime(local: string, zone: string): WallTimeReading | undefined {
  let plain: Temporal.PlainDateTime;
  try {
    plain = Temporal.PlainDateTime.from(local);
  } catch {
    return undefined;
  }
  const earlier = plain.toZonedDateTime(zone, { disambiguation: 'earlier' });
  const later = plain.toZonedDateTime(zone, { disambiguation: 'later' });
  if (earlier.epochMilliseconds === later.epochMilliseconds) {
    return { kind: 'unique', instantMs: earlier.epochMilliseconds };
  }
  // In an overlap both readings show the wall time asked for; in a gap neither does.
  const kind = earlier.toPlainDateTime().equals(plain) ? 'overlap' : 'gap';
  return { kind, earlierMs: earlier.epochMilliseconds, laterMs: later.epochMilliseconds };
}

/** The instant a policy picks, as the hub does; `undefined` under `reject` in a gap or overlap. */
export function resolveReading(reading: WallTimeReading, policy: Disambiguation): number | undefined {
  if (reading.kind === 'unique') return reading.instantMs;
  if (policy === 'reject') return undefined;
  if (policy === 'earlier') return reading.earlierMs;
  if (policy === 'later') return reading.laterMs;
  // `compatible`: forward through a gap, the first of two in an overlap (what RFC 5545 says too).
  return reading.kind === 'gap' ? reading.laterMs : reading.earlierMs;
}

function zoned(ms: number, zone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
}

/**
 * The wall time of an instant in a zone, with its offset: `2026-07-15T14:50:00+02:00`. What the
 * page sends as `deliver_local` for a reminder computed from an instant: the offset says which of
 * two readings is meant if DST repeats that hour, so the hub cannot pick the other one.
 */
export function wallTimeWithOffset(ms: number, zone: string): string {
  const time = zoned(ms, zone);
  return `${time.toPlainDateTime().toString({ smallestUnit: 'second' })}${time.offset}`;
}

/** `YYYY-MM-DD` and `HH:MM` of an instant in a zone (the date and time inputs' values). */
export function dateAndTimeIn(ms: number, zone: string): { date: string; time: string } {
  const time = zoned(ms, zone);
  return {
    date: time.toPlainDate().toString(),
    time: time.toPlainTime().toString({ smallestUnit: 'minute' }),
  };
}

/** `UTC+02:00`, `UTC−04:00`, `UTC+05:45`: a zone's offset at an instant (a real minus sign). */
export function offsetLabel(ms: number, zone: string): string {
  return `UTC${zoned(ms, zone).offset.replace('-', '\u2212')}`;
}

/** Days between the date in `zone` and the date in `reference` at the same instant: -1, 0, 1. */
export function dayShift(ms: number, zone: string, reference: string): number {
  const here = zoned(ms, zone).toPlainDate();
  const there = zoned(ms, reference).toPlainDate();
  return Temporal.PlainDate.compare(here, there);
}

export function dayShiftLabel(shift: number): string {
  if (shift === 0) return '';
  if (shift === 1) return 'next day';
  if (shift === -1) return 'previous day';
  return `${shift > 0 ? '+' : '−'}${Math.abs(shift)} days`;
}

// English, 24-hour: the page is in English, and a 24-hour clock leaves no AM/PM to misread
// when the same meeting is shown in four zones.
const PARTS_LOCALE = 'en-GB';
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string, withYear: boolean): Intl.DateTimeFormat {
  const key = `${zone}|${withYear}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat(PARTS_LOCALE, {
      timeZone: zone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      ...(withYear ? { year: 'numeric' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** `Wed 15 Jul, 09:00` (or `Wed 15 Jul 2026, 09:00`): an instant on the wall clock of `zone`. */
export function formatInZone(ms: number, zone: string, options: { withYear?: boolean } = {}): string {
  const parts = formatterFor(zone, options.withYear === true).formatToParts(ms);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? '';
  const year = options.withYear === true ? ` ${get('year')}` : '';
  return `${get('weekday')} ${get('day')} ${get('month')}${year}, ${get('hour')}:${get('minute')}`;
}

/** `HH:MM` only, for tables where the date is in the row. */
export function formatClockInZone(ms: number, zone: string): string {
  const time = zoned(ms, zone);
  return `${String(time.hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')}`;
}

/** Whether `Intl` knows the zone (an IANA name, any case); it throws a RangeError for any other. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `America/New_York` → `New York`. */
export function cityOf(zone: string): string {
  return (zone.split('/').at(-1) ?? zone).replaceAll('_', ' ');
}

/** The zone's clock change around a gap or overlap: `02:00 → 03:00`, read from both sides. */
export function clockChange(reading: Extract<WallTimeReading, { earlierMs: number }>, zone: string): string {
  // The earlier reading is always before the change (the later one may fall exactly on it).
  const transition = zoned(reading.earlierMs, zone).getTimeZoneTransition('next');
  if (transition === null) return '';
  const before = transition.subtract({ nanoseconds: 1 });
  const after = transition;
  const hhmm = (time: Temporal.ZonedDateTime) => time.toPlainTime().round({ smallestUnit: 'minute' });
  return `${hhmm(before).toString({ smallestUnit: 'minute' })} → ${hhmm(after).toString({ smallestUnit: 'minute' })}`;
}

/** `18:50:05.012` on the wall clock of `zone`: lateness is in milliseconds, so is this. */
export function formatPreciseClockInZone(ms: number, zone: string): string {
  return zoned(ms, zone).toPlainTime().toString({ smallestUnit: 'millisecond' });
}
