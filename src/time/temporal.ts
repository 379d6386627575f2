import { Temporal } from 'temporal-polyfill';
import type { WallTime } from './civil.js';

/**
 * The only file of src/ that imports Temporal (via `temporal-polyfill`, which reads tz data from the
 * runtime's Intl): when Node ships Temporal natively, this adapter is all that changes. It answers
 * the two questions that need tz data; calendar arithmetic lives in `civil.ts`.
 */

/** The instants a wall time can mean in a zone. */
export interface WallTimeInstants {
  /** `unique`: one instant; `gap`: none (DST spring-forward); `overlap`: two (DST fall-back). */
  kind: 'unique' | 'gap' | 'overlap';
  /** What Temporal's `earlier` disambiguation picks. */
  earlierMs: number;
  /** What Temporal's `later` disambiguation picks. In a gap: the wall time pushed forward by the gap's length. */
  laterMs: number;
}

const knownZones = new Map<string, string>();

/**
 * The canonical IANA name of a zone (`europe/oslo` → `Europe/Oslo`), or `undefined` when the
 * runtime does not know it. Offset "zones" (`+02:00`) are refused: a fixed offset has no DST and
 * belongs in the instant itself. Only valid names are cached, so the cache is bounded by tzdb.
 */
export function canonicalZone(zone: string): string | undefined {
  const cached = knownZones.get(zone);
  if (cached !== undefined) return cached;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return undefined;
  try {
    const id = Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone).timeZoneId;
    knownZones.set(zone, id);
    return id;
  } catch {
    return undefined;
  }
}

function toPlainDateTime(w: WallTime): Temporal.PlainDateTime {
  return new Temporal.PlainDateTime(w.year, w.month, w.day, w.hour, w.minute, w.second, w.millisecond);
}

/** Both readings of a wall time in a (canonical) zone, following Temporal's disambiguation semantics. */
export function instantsOfWallTime(wall: WallTime, zone: string): WallTimeInstants {
  const plain = toPlainDateTime(wall);
  const earlier = plain.toZonedDateTime(zone, { disambiguation: 'earlier' });
  const later = plain.toZonedDateTime(zone, { disambiguation: 'later' });
  const earlierMs = earlier.epochMilliseconds;
  const laterMs = later.epochMilliseconds;
  if (earlierMs === laterMs) return { kind: 'unique', earlierMs, laterMs };
  // In an overlap both readings show the asked wall time; in a gap neither does.
  const kind = earlier.toPlainDateTime().equals(plain) ? 'overlap' : 'gap';
  return { kind, earlierMs, laterMs };
}

/** The zone's UTC offset at an instant, in minutes east of UTC (Kathmandu: 345). */
export function offsetMinutesAt(ms: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).offsetNanoseconds / 60e9;
}

/** The wall time a zone's clocks show at an instant. */
export function wallTimeAt(ms: number, zone: string): WallTime {
  const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  return {
    year: z.year,
    month: z.month,
    day: z.day,
    hour: z.hour,
    minute: z.minute,
    second: z.second,
    millisecond: z.millisecond,
  };
}
