import { wallTimeAsUtcMs } from './civil.js';
import { lexDateTime } from './date-time-text.js';
import { TimeError } from './errors.js';

/**
 * Instants are integer milliseconds since the Unix epoch, UTC; on the wire they are RFC 3339 UTC
 * with milliseconds (`2026-11-25T14:34:45.123Z`). Numbers are never accepted where a string is
 * expected: a bare 1764081285 could be seconds or milliseconds, a 1000x error nobody notices.
 */

/** Years 0000–9999: what RFC 3339's four-digit year can write. */
const MIN_INSTANT_MS = -62_167_219_200_000;
const MAX_INSTANT_MS = 253_402_300_799_999;

export function isInstantMs(value: unknown): value is number {
  return (
    Number.isSafeInteger(value) && (value as number) >= MIN_INSTANT_MS && (value as number) <= MAX_INSTANT_MS
  );
}

/** `2026-11-25T14:34:45.123Z`. Throws `TimeError` `TIME_INVALID_INSTANT` for a non-integer or out-of-range value. */
export function formatInstant(ms: number): string {
  if (!isInstantMs(ms)) {
    throw new TimeError(
      'TIME_INVALID_INSTANT',
      `not an integer millisecond instant in years 0000-9999: ${ms}`,
    );
  }
  return new Date(ms).toISOString();
}

/**
 * Parses RFC 3339 with `Z` or a numeric offset (`2026-11-25T15:34:45.123+01:00`) to milliseconds.
 * Seconds are required (RFC 3339 has them); `:60` is the last millisecond of that minute.
 * Errors name `field` so that the HTTP answer can point at it.
 */
export function parseInstant(text: unknown, field = 'deliver_at'): number {
  if (typeof text !== 'string') {
    throw new TimeError(
      'TIME_NOT_A_STRING',
      `${field} must be an RFC 3339 string, got ${typeof text}`,
      field,
    );
  }
  const lexed = lexDateTime(text);
  if (lexed === undefined || !lexed.hasSeconds) {
    throw new TimeError(
      'TIME_INVALID_INSTANT',
      `${field} is not an RFC 3339 date-time: ${JSON.stringify(text)}`,
      field,
    );
  }
  if (lexed.offset === undefined) {
    throw new TimeError(
      'TIME_ZONE_REQUIRED',
      `${field} has no offset: add Z or ±HH:MM, or send the wall time as deliver_local with deliver_tz`,
      field,
    );
  }
  const offsetMinutes = lexed.offset === 'Z' ? 0 : lexed.offset;
  const ms = wallTimeAsUtcMs(lexed.wall) - offsetMinutes * 60_000;
  if (!isInstantMs(ms)) throw new TimeError('TIME_INVALID_INSTANT', `${field} is out of range`, field);
  return ms;
}
