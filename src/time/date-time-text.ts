import { isValidDate, type WallTime } from './civil.js';

/** The pieces of an RFC 3339 / ISO 8601 date-time string, checked for range but not yet resolved. */
export interface DateTimeText {
  wall: WallTime;
  /** `'Z'`, a numeric offset in minutes east of UTC, or `undefined` when the text has none. */
  offset: 'Z' | number | undefined;
  /** The text said `:60`: a leap second, read as the last millisecond of its minute. */
  isLeapSecond: boolean;
}

// RFC 3339 §5.6 (date-time), with the offset optional so that local date-times share the lexer,
// and seconds optional (`09:00`) for wall times only; callers enforce which parts they require.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Lexes a date-time; `undefined` when the syntax or a field's range is wrong. Fractions beyond
 * milliseconds are truncated (instants are integer milliseconds). Second 60 is accepted at any
 * minute: we carry no leap-second table (and leap seconds are to be abolished by 2035), so the
 * honest reading is "the end of that minute", `…:59.999`.
 */
export function lexDateTime(text: string): (DateTimeText & { hasSeconds: boolean }) | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millisecond = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 60) return undefined;
  const offset = lexOffset(m[8]);
  if (offset === null) return undefined;
  const isLeapSecond = second === 60;
  const wall: WallTime = isLeapSecond
    ? { year, month, day, hour, minute, second: 59, millisecond: 999 }
    : { year, month, day, hour, minute, second, millisecond };
  return { wall, offset, isLeapSecond, hasSeconds: m[6] !== undefined };
}

/** Minutes east of UTC; `null` when out of range. `-00:00` (RFC 3339 "offset unknown") reads as UTC. */
function lexOffset(text: string | undefined): 'Z' | number | undefined | null {
  if (text === undefined) return undefined;
  if (text === 'Z' || text === 'z') return 'Z';
  const hours = Number(text.slice(1, 3));
  const minutes = Number(text.slice(4, 6));
  if (hours > 23 || minutes > 59) return null;
  return (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}
