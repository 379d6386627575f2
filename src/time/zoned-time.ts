import { formatWallTime, type WallTime, wallTimeAsUtcMs } from './civil.js';
import { TimeError } from './errors.js';
import { formatInstant } from './instant.js';
import { canonicalZone, instantsOfWallTime, offsetMinutesAt } from './temporal.js';

/**
 * How a wall time that a DST change skips (gap) or repeats (overlap) becomes one instant; the
 * names and meanings are Temporal's (tc39.es/proposal-temporal, "disambiguation"):
 * - `compatible` (default, what RFC 5545 and most calendars do): a gap moves forward by its length
 *   (02:30 in a 1-hour spring-forward gap → 03:30), an overlap takes the first occurrence.
 * - `earlier`: a gap moves backward by its length (→ 01:30), an overlap takes the first.
 * - `later`: a gap moves forward, an overlap takes the second.
 * - `reject`: both are errors that carry the two candidate instants.
 */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

export const DISAMBIGUATIONS: readonly Disambiguation[] = ['compatible', 'earlier', 'later', 'reject'];

export function parseDisambiguation(value: unknown, field = 'deliver_disambiguation'): Disambiguation {
  if (value === undefined || value === '') return 'compatible';
  if (typeof value === 'string' && (DISAMBIGUATIONS as readonly string[]).includes(value)) {
    return value as Disambiguation;
  }
  throw new TimeError(
    'TIME_INVALID_DISAMBIGUATION',
    `${field} must be one of ${DISAMBIGUATIONS.join(', ')}`,
    field,
  );
}

/** The canonical IANA zone name, or a `TIME_UNKNOWN_ZONE` / `TIME_NOT_A_STRING` error naming `field`. */
export function parseZone(value: unknown, field = 'deliver_tz'): string {
  if (typeof value !== 'string') {
    throw new TimeError('TIME_NOT_A_STRING', `${field} must be an IANA time zone name`, field);
  }
  const zone = canonicalZone(value);
  if (zone === undefined) {
    throw new TimeError('TIME_UNKNOWN_ZONE', `${field}: unknown time zone ${JSON.stringify(value)}`, field);
  }
  return zone;
}

/**
 * The instant of a wall time in a zone, by policy. Under `reject` a gap or overlap throws
 * `TIME_NONEXISTENT_LOCAL` / `TIME_AMBIGUOUS_LOCAL` with both candidates; otherwise never throws.
 */
export function resolveWallTime(
  wall: WallTime,
  zone: string,
  disambiguation: Disambiguation,
  field = 'deliver_local',
): number {
  const { kind, earlierMs, laterMs } = instantsOfWallTime(wall, zone);
  if (kind === 'unique') return earlierMs;
  if (disambiguation === 'reject') {
    const what = kind === 'gap' ? 'does not exist (DST gap)' : 'happens twice (DST overlap)';
    throw new TimeError(
      kind === 'gap' ? 'TIME_NONEXISTENT_LOCAL' : 'TIME_AMBIGUOUS_LOCAL',
      `${formatWallTime(wall)} ${what} in ${zone}: ${formatInstant(earlierMs)} or ${formatInstant(laterMs)}`,
      field,
      [earlierMs, laterMs],
    );
  }
  if (disambiguation === 'earlier') return earlierMs;
  if (disambiguation === 'later') return laterMs;
  return kind === 'gap' ? laterMs : earlierMs;
}

/** The instant a wall time written with an explicit offset means, provided the zone has that offset then. */
export function resolveWallTimeWithOffset(
  wall: WallTime,
  offsetMinutes: number,
  zone: string,
  field = 'deliver_local',
): number {
  const ms = wallTimeAsUtcMs(wall) - offsetMinutes * 60_000;
  const zoneOffset = offsetMinutesAt(ms, zone);
  if (zoneOffset !== offsetMinutes) {
    throw new TimeError(
      'TIME_OFFSET_MISMATCH',
      `${field}: offset ${formatOffset(offsetMinutes)} contradicts ${zone}, which is at ${formatOffset(zoneOffset)} then`,
      field,
    );
  }
  return ms;
}

export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}
